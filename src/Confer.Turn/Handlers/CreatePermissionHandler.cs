using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Turn.Allocations;
using Confer.Turn.Auth;
using Confer.Turn.Transport;

namespace Confer.Turn.Handlers;

/// <summary>
/// CreatePermission (RFC 8656 §9.2): installs or refreshes permissions for every XOR-PEER-ADDRESS, all
/// or none. A peer the policy refuses gets 403; a peer of the other family 443; new permissions that would take the
/// allocation past <see cref="TurnOptions.MaxPermissionsPerAllocation"/> 508 Insufficient Capacity, which is what RFC 8656
/// §9.2 has a server answer when it cannot install the permissions.
/// </summary>
internal sealed class CreatePermissionHandler(TurnContext turn)
{
    private const int MaxPeers = 32;

    public static ReadOnlySpan<StunAttributeType> Known => [StunAttributeType.XorPeerAddress];

    public void Handle(in StunMessage request, in PacketContext context, in AuthResult auth)
    {
        var software = turn.Options.Software;
        if (!AllocationChecks.TryGetOwn(turn, request, context, auth, out var allocation)) return;

        Span<TransportAddress> peers = stackalloc TransportAddress[MaxPeers];
        int count = 0;
        foreach (var attribute in request.Attributes)
        {
            if (attribute.Type != StunAttributeType.XorPeerAddress) continue;
            if (count == MaxPeers || !TransportAddressStun.TryReadAddress(attribute.Value, xor: true, request.TransactionId, out var peer))
            {
                StunResponse.SendError(context, request, ErrorCode.BadRequest, auth.Key);
                return;
            }
            if (!AllocationChecks.CheckPeer(turn, allocation, peer, request, context, auth)) return;
            peers[count++] = peer;
        }
        if (count == 0)
        {
            StunResponse.SendError(context, request, ErrorCode.BadRequest, auth.Key);
            return;
        }

        long expires = turn.Now + turn.Options.PermissionLifetime.Ticks;
        if (!allocation.TryPermit(peers[..count], expires))
        {
            turn.Metrics.Dropped("permission_limit");
            StunResponse.SendError(context, request, ErrorCode.InsufficientCapacity, auth.Key);
            return;
        }

        Span<byte> buffer = stackalloc byte[StunResponse.MaxLength];
        var writer = StunResponse.Begin(buffer, request, StunClass.SuccessResponse);
        StunResponse.Finish(ref writer, software, auth.Key);
        context.Reply(writer.Written);
    }
}
