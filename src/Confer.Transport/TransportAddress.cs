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

    /// <summary>
    /// From raw address bytes in network order: 4 (IPv4) or 16 (IPv6, kept as IPv6 even when IPv4-mapped, as it was given).
    /// </summary>
    public static TransportAddress FromAddressBytes(ReadOnlySpan<byte> address, ushort port) => address.Length switch
    {
        4 => new TransportAddress(BinaryPrimitives.ReadUInt32BigEndian(address), port, false),
        16 => new TransportAddress(BinaryPrimitives.ReadUInt128BigEndian(address), port, true),
        _ => throw new ArgumentException("An address is 4 (IPv4) or 16 (IPv6) bytes.", nameof(address)),
    };

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

    /// <summary>The number of address bytes: 16 for IPv6, 4 for IPv4.</summary>
    public int AddressLength => IsIPv6 ? 16 : 4;

    /// <summary>Writes the address in network order (4 or 16 bytes) without allocating; returns how many bytes.</summary>
    public int WriteAddressBytes(Span<byte> destination)
    {
        if (IsIPv6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(destination, Address);
            return 16;
        }
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)Address);
        return 4;
    }

    /// <summary>
    /// Writes port and address into an existing socket address (Linux/Windows layout), leaving its other fields (IPv6
    /// flow info, scope id) as they are; an IPv4 address goes IPv4-mapped into an IPv6 one. Allocation-free.
    /// </summary>
    public void WriteTo(SocketAddress destination)
    {
        var bytes = destination.Buffer.Span;
        BinaryPrimitives.WriteUInt16BigEndian(bytes[2..], Port);
        if (destination.Family == AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes[4..], (uint)Address);
            return;
        }
        BinaryPrimitives.WriteUInt128BigEndian(bytes.Slice(8, 16), IsIPv6 ? Address : MappedPrefix | (uint)Address);
    }

    /// <summary>A socket address for a socket of <paramref name="socketFamily"/> (v4 is mapped for dual-mode v6 sockets).</summary>
    public SocketAddress ToSocketAddress(AddressFamily socketFamily)
    {
        var ip = ToIPAddress();
        if (socketFamily == AddressFamily.InterNetworkV6 && !IsIPv6) ip = ip.MapToIPv6();
        return new IPEndPoint(ip, Port).Serialize();
    }

    public override string ToString() => IsIPv6 ? $"[{ToIPAddress()}]:{Port}" : $"{ToIPAddress()}:{Port}";
}
