using System.Buffers.Binary;
using System.Net;
using Confer.Stun.Attributes;

namespace Confer.Stun;

/// <summary>
/// A parsed STUN message: a view over the exact bytes received (RFC 8489 §5). Parsing allocates
/// nothing; attributes are read on demand. Being a <c>ref struct</c>, it cannot outlive its buffer.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0|     STUN Message Type     |         Message Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Magic Cookie                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     Transaction ID (96 bits)                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public readonly ref struct StunMessage
{
    public const int HeaderLength = 20;
    public const uint MagicCookie = 0x2112A442;
    /// <summary>Upper bound on attributes walked; a 64 KiB message of empty attributes would have 16K.</summary>
    public const int MaxAttributes = 512;

    private StunMessage(ReadOnlySpan<byte> bytes, StunMessageType type, TransactionId id,
        int usableEnd, int integrityOffset, int integritySha256Offset, int fingerprintOffset)
    {
        Bytes = bytes;
        Type = type;
        TransactionId = id;
        _usableEnd = usableEnd;
        MessageIntegrityOffset = integrityOffset;
        MessageIntegritySha256Offset = integritySha256Offset;
        FingerprintOffset = fingerprintOffset;
    }

    // Attributes at or beyond this offset are ignored (they follow MESSAGE-INTEGRITY; RFC 8489 §14.5).
    private readonly int _usableEnd;

    /// <summary>The whole message, exactly as received (header included).</summary>
    public ReadOnlySpan<byte> Bytes { get; }
    public StunMessageType Type { get; }
    public StunMethod Method => Type.Method;
    public StunClass Class => Type.Class;
    public TransactionId TransactionId { get; }

    /// <summary>Offset of MESSAGE-INTEGRITY, or -1.</summary>
    public int MessageIntegrityOffset { get; }
    /// <summary>Offset of MESSAGE-INTEGRITY-SHA256, or -1.</summary>
    public int MessageIntegritySha256Offset { get; }
    /// <summary>Offset of FINGERPRINT, or -1.</summary>
    public int FingerprintOffset { get; }

    /// <summary>Quick check without parsing: two zero bits, the magic cookie, room for a header.</summary>
    public static bool LooksLikeStun(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= HeaderLength && (bytes[0] & 0xC0) == 0 &&
        BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]) == MagicCookie;

    /// <summary>
    /// Parses one message occupying exactly <paramref name="bytes"/> (a UDP datagram or one TCP frame).
    /// Validates the header and every attribute's length; never throws for any input.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out StunMessage message, out StunError error)
    {
        message = default;
        if (bytes.Length < HeaderLength) { error = StunError.TooShort; return false; }
        if ((bytes[0] & 0xC0) != 0) { error = StunError.NotStun; return false; }
        if (BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]) != MagicCookie) { error = StunError.BadMagicCookie; return false; }
        int length = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
        if ((length & 3) != 0) { error = StunError.UnalignedLength; return false; }
        if (HeaderLength + length != bytes.Length) { error = StunError.LengthMismatch; return false; }

        int integrity = -1, integrity256 = -1, fingerprint = -1, usableEnd = bytes.Length;
        bool sealedByIntegrity = false;
        int offset = HeaderLength, count = 0;
        while (offset < bytes.Length)
        {
            if (++count > MaxAttributes) { error = StunError.TooManyAttributes; return false; }
            if (bytes.Length - offset < 4) { error = StunError.AttributeTruncated; return false; }
            if (fingerprint >= 0) { error = StunError.AttributeAfterIntegrity; return false; }
            var type = (StunAttributeType)BinaryPrimitives.ReadUInt16BigEndian(bytes[offset..]);
            int valueLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[(offset + 2)..]);
            int next = offset + 4 + ((valueLength + 3) & ~3);
            if (next > bytes.Length) { error = StunError.AttributeTruncated; return false; }

            if (!sealedByIntegrity && type is StunAttributeType.MessageIntegrity or StunAttributeType.MessageIntegritySha256)
            {
                if (type == StunAttributeType.MessageIntegrity) integrity = offset; else integrity256 = offset;
                sealedByIntegrity = true;
                usableEnd = next;
            }
            else if (sealedByIntegrity && type == StunAttributeType.MessageIntegritySha256 && integrity256 < 0 && offset == usableEnd)
            {
                // MESSAGE-INTEGRITY-SHA256 may directly follow MESSAGE-INTEGRITY (RFC 8489 §14.6).
                integrity256 = offset;
                usableEnd = next;
            }
            if (type == StunAttributeType.Fingerprint) fingerprint = offset;
            offset = next;
        }

        message = new StunMessage(bytes, StunMessageType.FromWire(BinaryPrimitives.ReadUInt16BigEndian(bytes)),
            TransactionId.Read(bytes[8..20]), usableEnd, integrity, integrity256, fingerprint);
        error = StunError.None;
        return true;
    }

    /// <summary>The attributes in order, stopping at MESSAGE-INTEGRITY(-SHA256) (later ones are ignored per RFC 8489 §14.5) but including FINGERPRINT.</summary>
    public AttributeEnumerator Attributes => new(Bytes, _usableEnd, FingerprintOffset);

    /// <summary>Finds the first attribute of a type (the one that counts, RFC 8489 §14).</summary>
    public bool TryGetAttribute(StunAttributeType type, out ReadOnlySpan<byte> value)
    {
        foreach (var attribute in Attributes)
        {
            if (attribute.Type == type) { value = attribute.Value; return true; }
        }
        value = default;
        return false;
    }

    public bool HasAttribute(StunAttributeType type) => TryGetAttribute(type, out _);

    /// <summary>
    /// Reads the first attribute of <paramref name="type"/> as an XOR-encoded address (XOR-MAPPED-ADDRESS,
    /// XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS). Allocates the endpoint; for every XOR-PEER-ADDRESS of a
    /// CreatePermission, walk <see cref="Attributes"/> instead.
    /// </summary>
    public bool TryGetXorAddress(StunAttributeType type, out IPEndPoint endpoint)
    {
        endpoint = null!;
        return TryGetAttribute(type, out var value) && StunAddress.TryRead(value, xor: true, TransactionId, out endpoint);
    }

    /// <summary>Reads the first attribute of <paramref name="type"/> as a plain address (MAPPED-ADDRESS, ALTERNATE-SERVER, RESPONSE-ORIGIN, OTHER-ADDRESS).</summary>
    public bool TryGetAddress(StunAttributeType type, out IPEndPoint endpoint)
    {
        endpoint = null!;
        return TryGetAttribute(type, out var value) && StunAddress.TryRead(value, xor: false, TransactionId, out endpoint);
    }

    /// <summary>
    /// Lists the comprehension-required attributes (0x0000–0x7FFF) that are not in <paramref name="understood"/>,
    /// once each, in message order, for UNKNOWN-ATTRIBUTES in a 420 response (RFC 8489 §6.3.1, §14.13).
    /// Allocation-free; returns how many were written (at most <paramref name="unknown"/>'s length).
    /// </summary>
    public int GetUnknownComprehensionRequired(ReadOnlySpan<StunAttributeType> understood, Span<ushort> unknown)
    {
        int count = 0;
        foreach (var attribute in Attributes)
        {
            if (!attribute.Type.IsComprehensionRequired() || understood.Contains(attribute.Type)) continue;
            var type = (ushort)attribute.Type;
            if (unknown[..count].Contains(type)) continue;
            if (count == unknown.Length) break;
            unknown[count++] = type;
        }
        return count;
    }

    /// <summary>
    /// As above, treating every attribute this codec defines as understood (<see cref="StunAttributeTypeExtensions.IsKnown"/>).
    /// </summary>
    public int GetUnknownComprehensionRequired(Span<ushort> unknown)
    {
        int count = 0;
        foreach (var attribute in Attributes)
        {
            if (!attribute.Type.IsComprehensionRequired() || attribute.Type.IsKnown()) continue;
            var type = (ushort)attribute.Type;
            if (unknown[..count].Contains(type)) continue;
            if (count == unknown.Length) break;
            unknown[count++] = type;
        }
        return count;
    }

    public ref struct AttributeEnumerator
    {
        private readonly ReadOnlySpan<byte> _bytes;
        private readonly int _end;
        private readonly int _fingerprint;
        private int _next;
        private StunAttribute _current;

        internal AttributeEnumerator(ReadOnlySpan<byte> bytes, int end, int fingerprint)
        {
            _bytes = bytes;
            _end = end;
            _fingerprint = fingerprint;
            _next = HeaderLength;
            _current = default;
        }

        public readonly StunAttribute Current => _current;

        public readonly AttributeEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_next >= _end)
            {
                // FINGERPRINT is the last attribute even after MESSAGE-INTEGRITY.
                if (_fingerprint < 0 || _next > _fingerprint) return false;
                _next = _fingerprint;
            }
            int offset = _next;
            var type = (StunAttributeType)BinaryPrimitives.ReadUInt16BigEndian(_bytes[offset..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(_bytes[(offset + 2)..]);
            _current = new StunAttribute(type, _bytes.Slice(offset + 4, length), offset);
            _next = offset + 4 + ((length + 3) & ~3);
            if (offset == _fingerprint) _next = int.MaxValue;
            return true;
        }
    }
}
