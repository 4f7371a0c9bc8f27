using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Confer.Stun.Attributes;

/// <summary>
/// Address attributes: MAPPED-ADDRESS, ALTERNATE-SERVER, RESPONSE-ORIGIN, OTHER-ADDRESS (clear) and
/// XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS (XORed). RFC 8489 §14.1–14.2.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0 0 0 0 0 0 0|    Family     |         (X-)Port              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 (X-)Address (32 bits or 128 bits)             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public static class StunAddress
{
    public const byte FamilyIPv4 = 0x01;
    public const byte FamilyIPv6 = 0x02;

    public static int EncodedLength(IPAddress address) => Normalize(address).AddressFamily == AddressFamily.InterNetworkV6 ? 20 : 8;

    /// <summary>IPv4-mapped IPv6 addresses (from dual-mode sockets) are written as IPv4.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public static void Write(Span<byte> value, IPEndPoint endpoint, bool xor, TransactionId transactionId)
    {
        var address = Normalize(endpoint.Address);
        bool v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        value[0] = 0;
        value[1] = v6 ? FamilyIPv6 : FamilyIPv4;
        var port = (ushort)endpoint.Port;
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], xor ? (ushort)(port ^ (StunMessage.MagicCookie >> 16)) : port);
        var bytes = value[4..];
        if (!address.TryWriteBytes(bytes, out _)) throw new ArgumentException("Address does not fit.", nameof(endpoint));
        if (xor) Xor(bytes, transactionId);
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

    /// <summary>Allocation-free read: the address bytes (4 or 16) go to <paramref name="address"/>.</summary>
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
            port ^= (ushort)(StunMessage.MagicCookie >> 16);
            Xor(address[..length], transactionId);
        }
        return true;
    }

    // IPv4: XOR with the magic cookie; IPv6: with the cookie followed by the transaction id.
    private static void Xor(Span<byte> address, TransactionId transactionId)
    {
        Span<byte> mask = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(mask, StunMessage.MagicCookie);
        transactionId.Write(mask[4..]);
        for (int i = 0; i < address.Length; i++) address[i] ^= mask[i];
    }
}
