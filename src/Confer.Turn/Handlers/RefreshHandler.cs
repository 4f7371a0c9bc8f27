using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Turn.Auth;
using Confer.Turn.Transport;

namespace Confer.Turn.Handlers;

/// <summary>Refresh (RFC 8656 §7.3): extends an allocation's lifetime, or deletes it with LIFETIME 0; with
/// REQUESTED-ADDRESS-FAMILY, only that family's relayed address of a dual allocation.</summary>
internal sealed class RefreshHandler(TurnContext turn)
{
    public static ReadOnlySpan<StunAttributeType> Known => [StunAttributeType.Lifetime, StunAttributeType.RequestedAddressFamily];

    public void Handle(in StunMessage request, in PacketContext context, in AuthResult auth)
    {
        var software = turn.Options.Software;
        if (!AllocationChecks.TryGetOwn(turn, request, context, auth, out var allocation)) return;

        // REQUESTED-ADDRESS-FAMILY names the one relayed address to refresh or delete; a family the allocation
        // does not (or no longer) have is 443. Without it, every relayed address of the allocation (RFC 8656 §7.3).
        bool? onlyIPv6 = null;
        if (request.TryGetAttribute(StunAttributeType.RequestedAddressFamily, out var familyValue) && AddressFamilyAttribute.TryRead(familyValue, out var family))
        {
            onlyIPv6 = family == StunAddressFamily.IPv6;
            if (family is not (StunAddressFamily.IPv4 or StunAddressFamily.IPv6) || !allocation.HasFamily(onlyIPv6.Value, turn.Now))
            {
                StunResponse.SendError(context, request, ErrorCode.PeerAddressFamilyMismatch, auth.Key);
                return;
            }
        }

        var lifetime = turn.Options.DefaultAllocationLifetime;
        if (request.TryGetAttribute(StunAttributeType.Lifetime, out var value) && Lifetime.TryRead(value, out uint seconds))
            lifetime = TimeSpan.FromSeconds(seconds);
        if (lifetime > turn.Options.MaxAllocationLifetime) lifetime = turn.Options.MaxAllocationLifetime;

        if (onlyIPv6 is { } ipv6 && allocation.IsDual)
        {
            // One family of a dual allocation: deleting the last open one deletes the allocation.
            if (lifetime == TimeSpan.Zero) { if (!allocation.CloseFamily(ipv6)) turn.Allocations.Remove(context.Tuple); }
            else allocation.RefreshFamily(ipv6, turn.Now + lifetime.Ticks);
        }
        else if (lifetime == TimeSpan.Zero) turn.Allocations.Remove(context.Tuple);
        else allocation.ExpiresTicks = turn.Now + lifetime.Ticks;

        Span<byte> buffer = stackalloc byte[StunResponse.MaxLength];
        var writer = StunResponse.Begin(buffer, request, StunClass.SuccessResponse);
        writer.AddLifetime((uint)lifetime.TotalSeconds);
        StunResponse.Finish(ref writer, software, auth.Key);
        context.Reply(writer.Written);
    }
}
