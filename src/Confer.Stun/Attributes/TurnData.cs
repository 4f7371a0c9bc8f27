namespace Confer.Stun.Attributes;

/// <summary>
/// DATA (RFC 8656 §18.4): the application bytes of a Send or Data indication, any length.
/// DONT-FRAGMENT (RFC 8656 §18.10): no value; asks the server to set DF on the relayed packet.
/// </summary>
public static class TurnData
{
    public static bool IsValidDontFragment(ReadOnlySpan<byte> value) => value.IsEmpty;

    public static void AddData(this ref StunMessageWriter writer, scoped ReadOnlySpan<byte> data) => writer.Add(StunAttributeType.Data, data);

    /// <summary>Reserves a DATA value of <paramref name="length"/> bytes to fill in place (saves a copy when relaying).</summary>
    public static Span<byte> ReserveData(this ref StunMessageWriter writer, int length) => writer.Reserve(StunAttributeType.Data, length);

    public static void AddDontFragment(this ref StunMessageWriter writer) => writer.AddFlag(StunAttributeType.DontFragment);
}
