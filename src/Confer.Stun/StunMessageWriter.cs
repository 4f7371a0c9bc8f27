using System.Buffers.Binary;
using System.Net;
using System.Text;
using Confer.Stun.Attributes;

namespace Confer.Stun;

/// <summary>
/// Writes one message into a caller's buffer, attribute by attribute, keeping the header's length
/// current so MESSAGE-INTEGRITY and FINGERPRINT can be computed as they are added (RFC 8489 §14.5, §14.7).
/// Running out of buffer is a bug in the caller and throws.
/// </summary>
public ref struct StunMessageWriter
{
    private readonly Span<byte> _buffer;
    private readonly TransactionId _transactionId;
    private int _length;

    public StunMessageWriter(Span<byte> buffer, StunMessageType type, TransactionId transactionId)
    {
        if (buffer.Length < StunMessage.HeaderLength) throw new ArgumentException("Buffer smaller than a STUN header.", nameof(buffer));
        _buffer = buffer;
        _transactionId = transactionId;
        BinaryPrimitives.WriteUInt16BigEndian(buffer, type.ToWire());
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[4..], StunMessage.MagicCookie);
        transactionId.Write(buffer[8..20]);
        _length = StunMessage.HeaderLength;
    }

    public readonly TransactionId TransactionId => _transactionId;

    /// <summary>Bytes written so far (header included).</summary>
    public readonly int Length => _length;

    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    /// <summary>Adds an attribute header and returns its value area (zero padding already written) to fill in.</summary>
    public Span<byte> Reserve(StunAttributeType type, int valueLength)
    {
        if ((uint)valueLength > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(valueLength));
        int padded = (valueLength + 3) & ~3;
        if (_buffer.Length - _length < 4 + padded) throw new InvalidOperationException($"STUN buffer of {_buffer.Length} bytes is too small for attribute {type}.");
        if (_length + 4 + padded - StunMessage.HeaderLength > ushort.MaxValue) throw new InvalidOperationException("A STUN message is at most 65535 bytes after its header.");
        var attribute = _buffer.Slice(_length, 4 + padded);
        BinaryPrimitives.WriteUInt16BigEndian(attribute, (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(attribute[2..], (ushort)valueLength);
        attribute[(4 + valueLength)..].Clear();
        _length += 4 + padded;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], (ushort)(_length - StunMessage.HeaderLength));
        return attribute.Slice(4, valueLength);
    }

    public void Add(StunAttributeType type, scoped ReadOnlySpan<byte> value) => value.CopyTo(Reserve(type, value.Length));

    /// <summary>An attribute with no value (USE-CANDIDATE, DONT-FRAGMENT).</summary>
    public void AddFlag(StunAttributeType type) => Reserve(type, 0);

    public void AddUInt32(StunAttributeType type, uint value) => BinaryPrimitives.WriteUInt32BigEndian(Reserve(type, 4), value);

    public void AddUInt64(StunAttributeType type, ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Reserve(type, 8), value);

    /// <summary>A UTF-8 string attribute (USERNAME, REALM, NONCE, SOFTWARE, ALTERNATE-DOMAIN).</summary>
    public void AddString(StunAttributeType type, string value)
    {
        var span = Reserve(type, Encoding.UTF8.GetByteCount(value));
        Encoding.UTF8.GetBytes(value, span);
    }

    /// <summary>MAPPED-ADDRESS style (RFC 8489 §14.1): family, port, address in the clear.</summary>
    public void AddAddress(StunAttributeType type, IPEndPoint endpoint) =>
        StunAddress.Write(Reserve(type, StunAddress.EncodedLength(endpoint.Address)), endpoint, xor: false, _transactionId);

    /// <summary>XOR-MAPPED-ADDRESS style (RFC 8489 §14.2): port and address XORed with cookie and transaction id.</summary>
    public void AddXorAddress(StunAttributeType type, IPEndPoint endpoint) =>
        StunAddress.Write(Reserve(type, StunAddress.EncodedLength(endpoint.Address)), endpoint, xor: true, _transactionId);

    /// <summary>ERROR-CODE (RFC 8489 §14.8).</summary>
    public void AddErrorCode(int code, string reason) => ErrorCode.Write(ref this, StunAttributeType.ErrorCode, code, reason);

    /// <summary>MESSAGE-INTEGRITY: HMAC-SHA1 over everything before it, length counting it (RFC 8489 §14.5).</summary>
    public void AddMessageIntegrity(scoped ReadOnlySpan<byte> key)
    {
        var value = Reserve(StunAttributeType.MessageIntegrity, MessageIntegrity.Sha1Length);
        MessageIntegrity.ComputeSha1(key, _buffer[.._length][..^(4 + MessageIntegrity.Sha1Length)], value);
    }

    /// <summary>MESSAGE-INTEGRITY-SHA256: HMAC-SHA256, full 32 bytes (RFC 8489 §14.6).</summary>
    public void AddMessageIntegritySha256(scoped ReadOnlySpan<byte> key)
    {
        var value = Reserve(StunAttributeType.MessageIntegritySha256, MessageIntegrity.Sha256Length);
        MessageIntegrity.ComputeSha256(key, _buffer[.._length][..^(4 + MessageIntegrity.Sha256Length)], value);
    }

    /// <summary>
    /// MESSAGE-INTEGRITY-SHA256 truncated to <paramref name="length"/> bytes: 16–32, a multiple of 4 (RFC 8489 §14.6),
    /// e.g. to match the length a client used.
    /// </summary>
    public void AddMessageIntegritySha256(scoped ReadOnlySpan<byte> key, int length)
    {
        if (length is < MessageIntegrity.MinSha256Length or > MessageIntegrity.Sha256Length || (length & 3) != 0)
            throw new ArgumentOutOfRangeException(nameof(length), length, "MESSAGE-INTEGRITY-SHA256 is 16 to 32 bytes, a multiple of 4.");
        var value = Reserve(StunAttributeType.MessageIntegritySha256, length);
        Span<byte> mac = stackalloc byte[MessageIntegrity.Sha256Length];
        MessageIntegrity.ComputeSha256(key, _buffer[.._length][..^(4 + length)], mac);
        mac[..length].CopyTo(value);
    }

    /// <summary>FINGERPRINT: CRC-32 of everything before it XOR 0x5354554E; must be last (RFC 8489 §14.7).</summary>
    public void AddFingerprint()
    {
        var value = Reserve(StunAttributeType.Fingerprint, 4);
        BinaryPrimitives.WriteUInt32BigEndian(value, Fingerprint.Compute(_buffer[.._length][..^8]));
    }
}
