using System.Net;
using System.Net.Sockets;
using Confer.Stun;
using Confer.Stun.Attributes;

namespace Confer.Turn.Allocations;

/// <summary>RFC 6062 §5.3: a peer connects to the relayed address; the client hears of it by ConnectionAttempt.</summary>
public sealed partial class Allocation
{
    private readonly List<Socket> _peerConnections = [];

    /// <summary>The peer policy incoming peer connections are judged by (RFC 6062 allocations; set when it is made).</summary>
    public PeerPolicy? Policy { get; set; }

    /// <summary>Peer TCP connections (RFC 6062) this allocation may hold at once; set from the options when it is made.</summary>
    public int MaxPeerConnections { get; set; } = int.MaxValue;

    /// <summary>
    /// Counts <paramref name="peer"/> against <see cref="MaxPeerConnections"/> and ties it to the allocation: it is closed
    /// when the allocation goes, data connection or not. False (nothing held) at the limit or once the allocation is gone.
    /// Connections closed meanwhile (data connections that ended, unclaimed ones swept) stop counting.
    /// </summary>
    internal bool TryHoldPeerConnection(Socket peer)
    {
        lock (_peerConnections)
        {
            if (IsDisposed) return false;
            _peerConnections.RemoveAll(static s => s.SafeHandle.IsClosed);
            if (_peerConnections.Count >= MaxPeerConnections) return false;
            _peerConnections.Add(peer);
            return true;
        }
    }

    /// <summary>Called as the allocation goes: its peer connections go with it (their data connections end).</summary>
    private void ClosePeerConnections()
    {
        Socket[] held;
        lock (_peerConnections)
        {
            held = [.. _peerConnections];
            _peerConnections.Clear();
        }
        foreach (var socket in held) socket.Dispose();
    }

    /// <summary>Runs once per relayed address: a dual TCP allocation listens on its IPv4 and its IPv6 address.</summary>
    private async Task AcceptLoopAsync(Socket listener)
    {
        var ct = _stop.Token;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var peer = await listener.AcceptAsync(ct).ConfigureAwait(false);
                var peerAddress = TransportAddress.FromEndPoint((IPEndPoint)peer.RemoteEndPoint!);
                // Besides the permission, the policy judges the source (of any port: it is the peer's ephemeral one).
                if (TcpConnections is null || !IsPermitted(peerAddress, Now) || Policy?.IsAllowed(peerAddress, checkPort: false) == false)
                {
                    _metrics.Dropped("no_permission");
                    peer.Dispose();
                    continue;
                }
                if (!TryHoldPeerConnection(peer))
                {
                    _metrics.Dropped("tcp_connection_limit");
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
        writer.AddConnectionId(connectionId);
        writer.AddFingerprint();
        Sink.Send(writer.Written, ClientAddress);
    }
}
