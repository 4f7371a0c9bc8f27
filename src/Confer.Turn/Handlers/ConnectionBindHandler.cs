using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Turn.Auth;
using Confer.Turn.Transport;

namespace Confer.Turn.Handlers;

/// <summary>
/// ConnectionBind (RFC 6062 §5.4): on a new client TCP connection, claims a peer connection by
/// CONNECTION-ID; after the success response the client connection carries the peer's bytes as they are. A
/// CONNECTION-ID of another user's allocation gets 441 Wrong Credentials and leaves that connection alone.
/// </summary>
internal sealed class ConnectionBindHandler(TurnContext turn)
{
    public static ReadOnlySpan<StunAttributeType> Known => [StunAttributeType.ConnectionId];

    public void Handle(in StunMessage request, in PacketContext context, in AuthResult auth)
    {
        var software = turn.Options.Software;
        if (context.Sink is not IStreamClientSink stream || turn.Allocations.Contains(context.Tuple) ||
            !request.TryGetAttribute(StunAttributeType.ConnectionId, out var value) || !ConnectionId.TryRead(value, out uint connectionId))
        {
            StunResponse.SendError(context, request, ErrorCode.BadRequest, auth.Key);
            return;
        }
        var pending = turn.Connections.Take(connectionId, auth.Username!, out bool otherUser);
        if (pending is null)
        {
            StunResponse.SendError(context, request, otherUser ? ErrorCode.WrongCredentials : ErrorCode.BadRequest, auth.Key);
            return;
        }
        Span<byte> buffer = stackalloc byte[StunResponse.MaxLength];
        var writer = StunResponse.Begin(buffer, request, StunClass.SuccessResponse);
        StunResponse.Finish(ref writer, software, auth.Key);
        context.Reply(writer.Written);
        stream.Upgraded = new DataConnection(pending.Peer, pending.Allocation); // the transport switches to raw relaying after this frame
    }
}
