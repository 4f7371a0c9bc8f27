using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Turn.Allocations;
using Confer.Turn.Auth;
using Confer.Turn.Transport;

namespace Confer.Turn.Handlers;

/// <summary>The checks every request on an existing allocation shares (RFC 8656 §7.3, §9.2, §11.2).</summary>
internal static class AllocationChecks
{
    /// <summary>
    /// Finds the allocation of the request's 5-tuple and checks it belongs to the authenticated user;
    /// otherwise answers 437 (no allocation) or 441 (another user's) and returns false.
    /// </summary>
    public static bool TryGetOwn(TurnContext turn, in StunMessage request, in PacketContext context, in AuthResult auth, out Allocation allocation)
    {
        if (!turn.Allocations.TryGet(context.Tuple, out allocation!))
        {
            StunResponse.SendError(context, request, ErrorCode.AllocationMismatch, auth.Key);
            return false;
        }
        if (allocation.Username != auth.Username)
        {
            StunResponse.SendError(context, request, ErrorCode.WrongCredentials, auth.Key);
            return false;
        }
        return true;
    }

    /// <summary>
    /// Checks a peer for a permission, channel or connection: 443 when the allocation has no relayed address of its family
    /// (a dual allocation has two), 403 when the peer policy refuses it (PeerPolicy: private, reserved and internal ranges,
    /// this server's own addresses except its relay ports). Answers the error and returns false, or returns true.
    /// </summary>
    public static bool CheckPeer(TurnContext turn, Allocation allocation, TransportAddress peer, in StunMessage request, in PacketContext context, in AuthResult auth)
    {
        if (!allocation.HasFamily(peer.IsIPv6, turn.Now))
        {
            StunResponse.SendError(context, request, ErrorCode.PeerAddressFamilyMismatch, auth.Key);
            return false;
        }
        if (!turn.Policy.IsAllowed(peer))
        {
            turn.Metrics.Dropped("peer_forbidden");
            StunResponse.SendError(context, request, ErrorCode.Forbidden, auth.Key);
            return false;
        }
        if (turn.Policy.IsOwnAddress(peer)) allocation.PermitsOwnAddress = true; // Send checks the port from now on
        return true;
    }
}
