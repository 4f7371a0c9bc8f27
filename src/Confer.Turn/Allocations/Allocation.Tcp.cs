using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Confer.Stun;

namespace Confer.Turn.Allocations;

/// <summary>RFC 6062 §5.3: a peer connects to the relayed address; the client hears of it by ConnectionAttempt.</summary>
public sealed partial class Allocation
{
    private async Task AcceptLoopAsync()
    {
        var ct = _stop.Token;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var peer = await RelaySocket.AcceptAsync(ct).ConfigureAwait(false);
                var peerAddress = TransportAddress.FromEndPoint((IPEndPoint)peer.RemoteEndPoint!);
                if (TcpConnections is null || !IsPermitted(peerAddress, Now))
                {
                    _metrics.Dropped("no_permission");
                    peer.Dispose();
                    continue;
                }
                uint id = TcpConnections.Add(this, peer, peerAddress);
                SendConnectionAttempt(peerAddress, id);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Allocation deleted.
        }
    }

    private void SendConnectionAttempt(in TransportAddress peer, uint connectionId)
    {
        Span<byte> buffer = stackalloc byte[128];
        var writer = new StunMessageWriter(buffer, new StunMessageType(StunMethod.ConnectionAttempt, StunClass.Indication), TransactionId.New());
        peer.WriteAttribute(ref writer, StunAttributeType.XorPeerAddress, xor: true);
        BinaryPrimitives.WriteUInt32BigEndian(writer.Reserve(StunAttributeType.ConnectionId, 4), connectionId);
        writer.AddFingerprint();
        Sink.Send(writer.Written, ClientAddress);
    }
}
