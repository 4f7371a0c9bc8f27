using Confer.Stun;
using Confer.Turn.Allocations;
using Confer.Turn.Auth;
using Microsoft.Extensions.Logging;

namespace Confer.Turn.Handlers;

/// <summary>What the TURN method handlers share: options, the allocation table, peer policy, time, metrics.</summary>
internal sealed class TurnContext(TurnOptions options, AllocationTable allocations, PeerPolicy policy, TimeProvider time, TurnMetrics metrics, ILogger logger)
{
    public TurnOptions Options { get; } = options;
    public AllocationTable Allocations { get; } = allocations;
    public PeerPolicy Policy { get; } = policy;
    public TimeProvider Time { get; } = time;
    public TurnMetrics Metrics { get; } = metrics;
    public ILogger Logger { get; } = logger;
    public long Now => Time.GetUtcNow().UtcTicks;

    /// <summary>RFC 6062 peer connections waiting for ConnectionBind.</summary>
    public TcpConnectionTable Connections => Allocations.Connections;
}

internal static class TurnAttributes
{
    /// <summary>REQUESTED-TRANSPORT protocol numbers (RFC 8656 §18.9).</summary>
    public const byte Udp = 17, Tcp = 6;

    /// <summary>
    /// Channel numbers accepted in ChannelBind: RFC 8656 §12 allows 0x4000–0x4FFF, RFC 5766 allowed up to
    /// 0x7FFF and clients still use that range (coturn's among them), so both are accepted.
    /// </summary>
    public static bool IsChannelNumber(ushort number) => number is >= 0x4000 and <= 0x7FFF;

    /// <summary>
    /// ADDITIONAL-ADDRESS-FAMILY and ADDRESS-ERROR-CODE as draft-ietf-tram-turnbis numbered them before RFC 8656
    /// (0x8032, 0x8033). coturn, its turnutils_uclient -Z among them, still uses these, so an Allocate carrying
    /// 0x8032 is a dual request too and its partial failure is reported on 0x8033.
    /// </summary>
    public const StunAttributeType AdditionalAddressFamilyDraft = (StunAttributeType)0x8032, AddressErrorCodeDraft = (StunAttributeType)0x8033;

    /// <summary>Writes ADDRESS-ERROR-CODE (RFC 8656 §18.12: family, reserved, class, number, reason) under <paramref name="type"/>.</summary>
    public static void AddAddressError(ref StunMessageWriter writer, StunAttributeType type, Stun.Attributes.StunAddressFamily family, int code)
    {
        var reason = Stun.Attributes.ErrorCode.DefaultReason(code);
        var value = writer.Reserve(type, 4 + System.Text.Encoding.UTF8.GetByteCount(reason));
        value[0] = (byte)family;
        value[1] = 0;
        value[2] = (byte)(code / 100);
        value[3] = (byte)(code % 100);
        System.Text.Encoding.UTF8.GetBytes(reason, value[4..]);
    }

    /// <summary>Reads XOR-PEER-ADDRESS-style values without allocating; false for a malformed value.</summary>
    public static bool TryReadPeer(ReadOnlySpan<byte> value, Stun.TransactionId id, out TransportAddress peer)
    {
        peer = default;
        Span<byte> address = stackalloc byte[16];
        if (!Stun.Attributes.StunAddress.TryRead(value, true, id, address, out byte family, out ushort port)) return false;
        peer = TransportAddress.FromAttribute(family, address, port);
        return true;
    }
}
