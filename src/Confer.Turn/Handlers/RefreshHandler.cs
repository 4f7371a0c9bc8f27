using System.Buffers.Binary;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Turn.Auth;
using Confer.Turn.Transport;

namespace Confer.Turn.Handlers;

/// <summary>Refresh (RFC 8656 §7.3): extends an allocation's lifetime, or deletes it with LIFETIME 0.</summary>
internal sealed class RefreshHandler(TurnContext turn)
{
    public static ReadOnlySpan<StunAttributeType> Known => [StunAttributeType.Lifetime, StunAttributeType.RequestedAddressFamily];

    public void Handle(in StunMessage request, in PacketContext context, in AuthResult auth)
    {
        var software = turn.Options.Software;
        if (!AllocationChecks.TryGetOwn(turn, request, context, auth, out var allocation)) return;
        if (request.TryGetAttribute(StunAttributeType.RequestedAddressFamily, out var family) && family.Length == 4 &&
            family[0] != (allocation.Relayed.IsIPv6 ? StunAddress.FamilyIPv6 : StunAddress.FamilyIPv4))
        {
            StunResponse.SendError(context, request, ErrorCode.PeerAddressFamilyMismatch, software, auth.Key);
            return;
        }

        var lifetime = turn.Options.DefaultAllocationLifetime;
        if (request.TryGetAttribute(StunAttributeType.Lifetime, out var value) && value.Length == 4)
            lifetime = TimeSpan.FromSeconds(BinaryPrimitives.ReadUInt32BigEndian(value));
        if (lifetime > turn.Options.MaxAllocationLifetime) lifetime = turn.Options.MaxAllocationLifetime;

        if (lifetime == TimeSpan.Zero) turn.Allocations.Remove(context.Tuple);
        else allocation.ExpiresTicks = turn.Now + lifetime.Ticks;

        Span<byte> buffer = stackalloc byte[StunResponse.MaxLength];
        var writer = StunResponse.Begin(buffer, request, StunClass.SuccessResponse);
        writer.AddUInt32(StunAttributeType.Lifetime, (uint)lifetime.TotalSeconds);
        StunResponse.Finish(ref writer, software, auth.Key);
        context.Reply(writer.Written);
    }
}
