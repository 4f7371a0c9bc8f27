using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Confer.Transport;

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

    public override string ToString() => IsIPv6 ? $"[{ToIPAddress()}]:{Port}" : $"{ToIPAddress()}:{Port}";
}
