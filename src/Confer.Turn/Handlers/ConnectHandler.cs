using System.Net;
using System.Net.Sockets;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Turn.Allocations;
using Confer.Turn.Auth;
using Confer.Turn.Transport;

namespace Confer.Turn.Handlers;

/// <summary>
/// Connect (RFC 6062 §5.2): the server opens a TCP connection from the relayed address to the peer and
/// answers with its CONNECTION-ID once connected (447 when it cannot connect within 30 s, 508 when the allocation
/// already holds <see cref="TurnOptions.MaxTcpConnectionsPerAllocation"/> peer connections). The allocation must be the
/// requester's own (437 without one, 441 when another user made it) and the peer one the policy allows (403).
/// </summary>
internal sealed class ConnectHandler(TurnContext turn)
{
    public static ReadOnlySpan<StunAttributeType> Known => [StunAttributeType.XorPeerAddress];

    public void Handle(in StunMessage request, in PacketContext context, in AuthResult auth)
    {
        var software = turn.Options.Software;
        if (!AllocationChecks.TryGetOwn(turn, request, context, auth, out var allocation)) return;
        if (!allocation.IsTcp || !request.TryGetAttribute(StunAttributeType.XorPeerAddress, out var value) ||
            !TransportAddressStun.TryReadAddress(value, xor: true, request.TransactionId, out var peer))
        {
            StunResponse.SendError(context, request, ErrorCode.BadRequest, auth.Key);
            return;
        }
        // From the relayed address of the peer's family (a dual allocation has both; RFC 8656 §9.2: 443 otherwise).
        if (allocation.EndpointFor(peer.IsIPv6) is not { } endpoint)
        {
            StunResponse.SendError(context, request, ErrorCode.PeerAddressFamilyMismatch, auth.Key);
            return;
        }
        if (!AllocationChecks.CheckPeer(turn, allocation, peer, request, context, auth)) return;
        if (turn.Connections.HasPeer(allocation, peer))
        {
            StunResponse.SendError(context, request, ErrorCode.ConnectionAlreadyExists, auth.Key);
            return;
        }
        var socket = new Socket(peer.Family, SocketType.Stream, ProtocolType.Tcp);
        if (!allocation.TryHoldPeerConnection(socket))
        {
            socket.Dispose();
            StunResponse.SendError(context, request, ErrorCode.InsufficientCapacity, auth.Key);
            return;
        }
        allocation.Permit(peer, turn.Now + turn.Options.PermissionLifetime.Ticks);
        _ = ConnectAsync(allocation, endpoint.Relayed, socket, peer, request.TransactionId, auth.Key, context.Sink, context.ClientAddress);
    }

    private async Task ConnectAsync(Allocation allocation, TransportAddress relayed, Socket socket, TransportAddress peer, TransactionId id, IntegrityKey key, IClientSink sink, SocketAddress client)
    {
        uint connectionId = 0;
        try
        {
            if (!OperatingSystem.IsWindows()) socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(relayed.ToIPAddress(), 0));
            using var timeout = new CancellationTokenSource(TcpConnectionTable.BindTimeout);
            await socket.ConnectAsync(peer.ToEndPoint(), timeout.Token).ConfigureAwait(false);
            connectionId = turn.Connections.Add(allocation, socket, peer);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            socket.Dispose(); // (closed already when the allocation went meanwhile)
        }
        Respond(sink, client, id, key, connectionId);
    }

    private void Respond(IClientSink sink, SocketAddress client, TransactionId id, IntegrityKey key, uint connectionId)
    {
        Span<byte> buffer = stackalloc byte[StunResponse.MaxLength];
        var @class = connectionId != 0 ? StunClass.SuccessResponse : StunClass.ErrorResponse;
        var writer = new StunMessageWriter(buffer, new StunMessageType(StunMethod.Connect, @class), id);
        if (connectionId != 0) writer.AddConnectionId(connectionId);
        else writer.AddErrorCode(ErrorCode.ConnectionTimeoutOrFailure);
        StunResponse.Finish(ref writer, connectionId != 0 ? turn.Options.Software : null, key);
        sink.Send(writer.Written, client);
    }
}
