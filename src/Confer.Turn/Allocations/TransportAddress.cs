using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Confer.Stun;
using Confer.Stun.Attributes;

namespace Confer.Turn.Allocations;

/// <summary>
/// An IP address and port as plain value (RFC 8656 §2 "transport address"), built from a
/// <see cref="SocketAddress"/> without allocating. IPv4-mapped IPv6 addresses are stored as IPv4.
/// IPv4 addresses live in the low 32 bits of <see cref="Address"/>.
/// </summary>
public readonly record struct TransportAddress(UInt128 Address, ushort Port, bool IsIPv6)
{
    private static readonly UInt128 MappedPrefix = new(0, 0x0000_FFFF_0000_0000);

    public AddressFamily Family => IsIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;

    /// <summary>Reads family, port and address from a socket address (Linux/Windows layout: port at 2, v4 at 4, v6 at 8).</summary>
    public static TransportAddress FromSocketAddress(SocketAddress address)
    {
        var bytes = address.Buffer.Span;
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
        if (address.Family == AddressFamily.InterNetwork)
            return new TransportAddress(BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]), port, false);
        var v6 = BinaryPrimitives.ReadUInt128BigEndian(bytes.Slice(8, 16));
        return FromV6(v6, port);
    }

    public static TransportAddress FromEndPoint(IPEndPoint endpoint)
    {
        Span<byte> bytes = stackalloc byte[16];
        endpoint.Address.TryWriteBytes(bytes, out int written);
        return written == 4
            ? new TransportAddress(BinaryPrimitives.ReadUInt32BigEndian(bytes), (ushort)endpoint.Port, false)
            : FromV6(BinaryPrimitives.ReadUInt128BigEndian(bytes), (ushort)endpoint.Port);
    }

    /// <summary>From a decoded address attribute (family 1 or 2, 4 or 16 address bytes).</summary>
    public static TransportAddress FromAttribute(byte family, ReadOnlySpan<byte> address, ushort port) =>
        family == StunAddress.FamilyIPv4
            ? new TransportAddress(BinaryPrimitives.ReadUInt32BigEndian(address), port, false)
            : new TransportAddress(BinaryPrimitives.ReadUInt128BigEndian(address), port, true);

    private static TransportAddress FromV6(UInt128 v6, ushort port) =>
        (v6 >> 32) == (MappedPrefix >> 32) ? new TransportAddress((uint)v6, port, false) : new TransportAddress(v6, port, true);

    public TransportAddress WithPort(ushort port) => this with { Port = port };

    /// <summary>The address part only (permissions are per IP address, RFC 8656 §9).</summary>
    public TransportAddress IPOnly => this with { Port = 0 };

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        if (IsIPv6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(bytes, Address);
            return new IPAddress(bytes);
        }
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)Address);
        return new IPAddress(bytes[..4]);
    }

    public IPEndPoint ToEndPoint() => new(ToIPAddress(), Port);

    /// <summary>A socket address for a socket of <paramref name="socketFamily"/> (v4 is mapped for dual-mode v6 sockets).</summary>
    public SocketAddress ToSocketAddress(AddressFamily socketFamily)
    {
        var ip = ToIPAddress();
        if (socketFamily == AddressFamily.InterNetworkV6 && !IsIPv6) ip = ip.MapToIPv6();
        return new IPEndPoint(ip, Port).Serialize();
    }

    /// <summary>Writes an address attribute value (RFC 8489 §14.1/14.2) without allocating.</summary>
    public void WriteAttribute(ref StunMessageWriter writer, StunAttributeType type, bool xor)
    {
        var value = writer.Reserve(type, IsIPv6 ? 20 : 8);
        WriteValue(value, xor, writer.TransactionId);
    }

    /// <summary>Writes the 8 or 20 byte value of an address attribute.</summary>
    public void WriteValue(Span<byte> value, bool xor, TransactionId transactionId)
    {
        value[0] = 0;
        value[1] = IsIPv6 ? StunAddress.FamilyIPv6 : StunAddress.FamilyIPv4;
        ushort cookieHigh = (ushort)(StunMessage.MagicCookie >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], xor ? (ushort)(Port ^ cookieHigh) : Port);
        if (IsIPv6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(value[4..], Address);
            if (xor)
            {
                Span<byte> mask = stackalloc byte[16];
                BinaryPrimitives.WriteUInt32BigEndian(mask, StunMessage.MagicCookie);
                transactionId.Write(mask[4..]);
                for (int i = 0; i < 16; i++) value[4 + i] ^= mask[i];
            }
        }
        else
        {
            uint a = (uint)Address;
            BinaryPrimitives.WriteUInt32BigEndian(value[4..], xor ? a ^ StunMessage.MagicCookie : a);
        }
    }

    public override string ToString() => IsIPv6 ? $"[{ToIPAddress()}]:{Port}" : $"{ToIPAddress()}:{Port}";
}
