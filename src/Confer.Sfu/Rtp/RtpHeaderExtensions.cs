namespace Confer.Sfu.Rtp;

/// <summary>
/// One RFC 8285 element: its id and its value, a view into the packet.
/// <code>
/// one-byte form (§4.2):  | ID (4) | L (4) | data (L+1 bytes) |      ID 0 = padding byte, ID 15 = stop
/// two-byte form (§4.3):  | ID (8) | L (8) | data (L bytes)   |      ID 0 = padding byte
/// </code>
/// </summary>
internal readonly ref struct RtpHeaderExtension
{
    public RtpHeaderExtension(byte id, ReadOnlySpan<byte> value, int valueOffset)
    {
        Id = id;
        Value = value;
        ValueOffset = valueOffset;
    }

    public byte Id { get; }
    public ReadOnlySpan<byte> Value { get; }
    /// <summary>Offset of <see cref="Value"/> from the start of the packet, for rewriting in place.</summary>
    public int ValueOffset { get; }
}

/// <summary>Enumerates the RFC 8285 elements of an extension block; stops at the end, at ID 15 (one-byte form) or at a malformed element.</summary>
internal ref struct RtpHeaderExtensionEnumerator
{
    private readonly ReadOnlySpan<byte> _block;
    private readonly int _baseOffset;
    private readonly int _form;
    private int _position;
    private RtpHeaderExtension _current;

    /// <param name="form">1 for one-byte, 2 for two-byte, 0 for an unknown profile (enumerates nothing).</param>
    public RtpHeaderExtensionEnumerator(ReadOnlySpan<byte> block, int baseOffset, int form)
    {
        _block = block;
        _baseOffset = baseOffset;
        _form = form;
        _position = 0;
        _current = default;
    }

    public readonly RtpHeaderExtension Current => _current;
    public readonly RtpHeaderExtensionEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (!RtpHeaderExtensions.TryNext(_block, _form, ref _position, out byte id, out int offset, out int length, out _))
            return false;
        _current = new RtpHeaderExtension(id, _block.Slice(offset, length), _baseOffset + offset);
        return true;
    }
}

/// <summary>The RFC 8285 element walk shared by validation, lookup and enumeration.</summary>
internal static class RtpHeaderExtensions
{
    /// <summary>Whether every element of a one-byte or two-byte block fits; other profiles are opaque and accepted.</summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> block, ushort profile)
    {
        int form = profile == RtpPacket.OneByteProfile ? 1 : (profile & 0xFFF0) == RtpPacket.TwoByteProfile ? 2 : 0;
        if (form == 0) return true;
        int position = 0;
        bool malformed = false;
        while (TryNext(block, form, ref position, out _, out _, out _, out malformed)) { }
        return !malformed;
    }

    /// <summary>Reads the element at <paramref name="position"/>, skipping padding bytes. False at the end, at ID 15, or when malformed.</summary>
    public static bool TryNext(ReadOnlySpan<byte> block, int form, ref int position, out byte id, out int valueOffset, out int valueLength, out bool malformed)
    {
        id = 0;
        valueOffset = valueLength = 0;
        malformed = false;
        if (form == 0) return false;
        while (position < block.Length)
        {
            byte b = block[position];
            // A zero byte is padding in both forms; in the one-byte form any byte with ID 0 is skipped alone,
            // its L ignored (as libwebrtc does), since ID 0 "MUST NOT be used" (RFC 8285 §4.2).
            if (b == 0 || (form == 1 && b >> 4 == 0)) { position++; continue; }
            if (form == 1)
            {
                if (b >> 4 == 15) { position = block.Length; return false; }
                id = (byte)(b >> 4);
                valueLength = (b & 0x0F) + 1;
                valueOffset = position + 1;
            }
            else
            {
                if (position + 2 > block.Length) { malformed = true; position = block.Length; return false; }
                id = b;
                valueLength = block[position + 1];
                valueOffset = position + 2;
            }
            if (valueOffset + valueLength > block.Length) { malformed = true; position = block.Length; return false; }
            position = valueOffset + valueLength;
            return true;
        }
        return false;
    }
}
