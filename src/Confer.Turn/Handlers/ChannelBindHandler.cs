using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Turn.Allocations;
using Confer.Turn.Auth;
using Confer.Turn.Transport;
using Microsoft.Extensions.Logging;

namespace Confer.Turn.Handlers;

/// <summary>
/// ChannelBind (RFC 8656 §11.2): binds CHANNEL-NUMBER (0x4000–0x4FFF) to XOR-PEER-ADDRESS for 600 s and
/// installs or refreshes the permission for that peer's IP.
/// </summary>
internal sealed partial class ChannelBindHandler(TurnContext turn)
{
    public static ReadOnlySpan<StunAttributeType> Known => [StunAttributeType.ChannelNumber, StunAttributeType.XorPeerAddress];

    public void Handle(in StunMessage request, in PacketContext context, in AuthResult auth)
    {
        var software = turn.Options.Software;
        if (!AllocationChecks.TryGetOwn(turn, request, context, auth, out var allocation)) return;
        // Channel numbers: RFC 8656 §12 allows 0x4000–0x4FFF; RFC 5766 allowed up to 0x7FFF and clients still use
        // that range (coturn's among them), so both are accepted.
        ushort number = 0;
        bool hasNumber = request.TryGetAttribute(StunAttributeType.ChannelNumber, out var numberValue) && ChannelNumber.TryRead(numberValue, out number);
        if (!hasNumber || !ChannelData.IsRfc5766Channel(number) ||
            !request.TryGetAttribute(StunAttributeType.XorPeerAddress, out var peerValue) ||
            !TransportAddressStun.TryReadAddress(peerValue, xor: true, request.TransactionId, out var peer))
        {
            Log.BadChannelBind(turn.Logger, context.Tuple, hasNumber ? number : -1);
            StunResponse.SendError(context, request, ErrorCode.BadRequest, auth.Key);
            return;
        }
        if (!AllocationChecks.CheckPeer(turn, allocation, peer, request, context, auth)) return;

        long now = turn.Now;
        long permissionExpires = now + turn.Options.PermissionLifetime.Ticks;
        // A channel installs a permission: both must fit the allocation's caps (508, RFC 8656 §11.2 as §9.2).
        if (!allocation.IsPermitted(peer, now) && !allocation.TryPermit([peer], permissionExpires))
        {
            turn.Metrics.Dropped("permission_limit");
            StunResponse.SendError(context, request, ErrorCode.InsufficientCapacity, auth.Key);
            return;
        }
        var result = allocation.BindChannel(number, peer, now + turn.Options.ChannelLifetime.Ticks);
        if (result == Allocation.BindResult.Full)
        {
            turn.Metrics.Dropped("channel_limit");
            StunResponse.SendError(context, request, ErrorCode.InsufficientCapacity, auth.Key);
            return;
        }
        if (result != Allocation.BindResult.Bound)
        {
            Log.ChannelConflict(turn.Logger, context.Tuple, result);
            StunResponse.SendError(context, request, ErrorCode.BadRequest, auth.Key);
            return;
        }
        allocation.Permit(peer, permissionExpires);

        Span<byte> buffer = stackalloc byte[StunResponse.MaxLength];
        var writer = StunResponse.Begin(buffer, request, StunClass.SuccessResponse);
        StunResponse.Finish(ref writer, software, auth.Key);
        context.Reply(writer.Written);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 320, Level = LogLevel.Debug, Message = "ChannelBind from {Tuple} malformed (channel {Channel})")]
        public static partial void BadChannelBind(ILogger logger, FiveTuple tuple, int channel);

        [LoggerMessage(EventId = 321, Level = LogLevel.Debug, Message = "ChannelBind from {Tuple} refused: {Result}")]
        public static partial void ChannelConflict(ILogger logger, FiveTuple tuple, Allocation.BindResult result);
    }
}
