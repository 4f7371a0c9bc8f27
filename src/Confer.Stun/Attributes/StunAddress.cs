using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Confer.Stun.Attributes;

/// <summary>
/// Address attributes: MAPPED-ADDRESS, ALTERNATE-SERVER, RESPONSE-ORIGIN, OTHER-ADDRESS (clear) and
/// XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS (XORed). RFC 8489 §14.1–14.2, RFC 8656 §18.3, §18.5.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0 0 0 0 0 0 0|    Family     |         (X-)Port              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 (X-)Address (32 bits or 128 bits)             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// X-Port is the port XOR the cookie's top 16 bits; X-Address is an IPv4 address XOR the cookie, or an
/// IPv6 address XOR the cookie followed by the transaction id. This type is the one encoder and decoder of
/// that layout: the raw-bytes overloads (4 or 16 address bytes, network order) allocate nothing; the
/// <see cref="IPEndPoint"/> overloads are for callers that hold one anyway.
/// </summary>
public static class StunAddress
{
    public const byte FamilyIPv4 = (byte)StunAddressFamily.IPv4;
    public const byte FamilyIPv6 = (byte)StunAddressFamily.IPv6;

    /// <summary>Value length of an IPv4 address attribute: family, port, 4 address bytes.</summary>
    public const int IPv4Length = 8;
    /// <summary>Value length of an IPv6 address attribute: family, port, 16 address bytes.</summary>
    public const int IPv6Length = 20;
    /// <summary>The longest address value (IPv6).</summary>
    public const int MaxLength = IPv6Length;

    public static int EncodedLength(IPAddress address) => Normalize(address).AddressFamily == AddressFamily.InterNetworkV6 ? IPv6Length : IPv4Length;

    /// <summary>Value length for raw address bytes: 8 for 4 bytes (IPv4), 20 for 16 bytes (IPv6).</summary>
    public static int EncodedLength(int addressBytes) => addressBytes == 16 ? IPv6Length : IPv4Length;

    /// <summary>IPv4-mapped IPv6 addresses (from dual-mode sockets) are written as IPv4.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public static void Write(Span<byte> value, IPEndPoint endpoint, bool xor, TransactionId transactionId)
    {
        var address = Normalize(endpoint.Address);
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out int written)) throw new ArgumentException("Address does not fit.", nameof(endpoint));
        Write(value, bytes[..written], (ushort)endpoint.Port, xor, transactionId);
    }

    /// <summary>
    /// Writes an address value from raw address bytes: 4 (IPv4) or 16 (IPv6), network order. <paramref name="value"/>
    /// must hold <see cref="EncodedLength(int)"/> bytes; returns how many were written (8 or 20). Allocation-free.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Write(Span<byte> value, ReadOnlySpan<byte> address, ushort port, bool xor, TransactionId transactionId)
    {
        if (address.Length is not (4 or 16)) throw new ArgumentException("An address is 4 (IPv4) or 16 (IPv6) bytes.", nameof(address));
        int length = 4 + address.Length;
        if (value.Length < length) throw new ArgumentException("Destination too small for the address.", nameof(value));
        value[0] = 0;
        value[1] = address.Length == 4 ? FamilyIPv4 : FamilyIPv6;
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], xor ? (ushort)(port ^ CookieHigh) : port);
        address.CopyTo(value[4..]);
        if (xor) Xor(value.Slice(4, address.Length), transactionId);
        return length;
    }

    /// <summary>Reads an address attribute's value. False for a bad family or length.</summary>
    public static bool TryRead(ReadOnlySpan<byte> value, bool xor, TransactionId transactionId, out IPEndPoint endpoint)
    {
        endpoint = null!;
        Span<byte> address = stackalloc byte[16];
        if (!TryRead(value, xor, transactionId, address, out var family, out var port)) return false;
        endpoint = new IPEndPoint(new IPAddress(family == FamilyIPv4 ? address[..4] : address), port);
        return true;
    }

    /// <summary>
    /// Allocation-free read: the address bytes (4 or 16) go to <paramref name="address"/>. False for a bad family,
    /// a value of the wrong length, or an <paramref name="address"/> too small; never throws.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> value, bool xor, TransactionId transactionId, Span<byte> address, out byte family, out ushort port)
    {
        family = 0;
        port = 0;
        if (value.Length < 4) return false;
        family = value[1];
        int length = family switch { FamilyIPv4 => 4, FamilyIPv6 => 16, _ => -1 };
        if (length < 0 || value.Length != 4 + length || address.Length < length) return false;
        port = BinaryPrimitives.ReadUInt16BigEndian(value[2..]);
        value.Slice(4, length).CopyTo(address);
        if (xor)
        {
            port ^= CookieHigh;
            Xor(address[..length], transactionId);
        }
        return true;
    }

    /// <summary>MAPPED-ADDRESS style (RFC 8489 §14.1) from raw address bytes (4 or 16), allocation-free.</summary>
    public static void AddAddress(this ref StunMessageWriter writer, StunAttributeType type, scoped ReadOnlySpan<byte> address, ushort port) =>
        Write(writer.Reserve(type, EncodedLength(address.Length)), address, port, xor: false, writer.TransactionId);

    /// <summary>XOR-MAPPED-ADDRESS style (RFC 8489 §14.2) from raw address bytes (4 or 16), allocation-free.</summary>
    public static void AddXorAddress(this ref StunMessageWriter writer, StunAttributeType type, scoped ReadOnlySpan<byte> address, ushort port) =>
        Write(writer.Reserve(type, EncodedLength(address.Length)), address, port, xor: true, writer.TransactionId);

    private const ushort CookieHigh = (ushort)(StunMessage.MagicCookie >> 16);

    // IPv4: XOR with the magic cookie; IPv6: with the cookie followed by the transaction id (RFC 8489 §14.2).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Xor(Span<byte> address, TransactionId transactionId)
    {
        BinaryPrimitives.WriteUInt32BigEndian(address, BinaryPrimitives.ReadUInt32BigEndian(address) ^ StunMessage.MagicCookie);
        if (address.Length == 16)
        {
            BinaryPrimitives.WriteUInt64BigEndian(address[4..], BinaryPrimitives.ReadUInt64BigEndian(address[4..]) ^ transactionId.High);
            BinaryPrimitives.WriteUInt32BigEndian(address[12..], BinaryPrimitives.ReadUInt32BigEndian(address[12..]) ^ transactionId.Low);
        }
    }
}
