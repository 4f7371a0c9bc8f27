using System.Globalization;
using System.Net;

namespace Confer.Server.Tests.Hosting;

/// <summary>The sockets of this network namespace bound to a port, as the kernel lists them in /proc/net/{tcp,tcp6,udp,udp6}.</summary>
internal static class ListeningSockets
{
    /// <summary>Local addresses of TCP sockets in LISTEN on <paramref name="port"/>, IPv4 and IPv6.</summary>
    public static List<IPAddress> Tcp(int port) => [.. Read("/proc/net/tcp", port, "0A"), .. Read("/proc/net/tcp6", port, "0A")];

    /// <summary>Local addresses of UDP sockets bound to <paramref name="port"/>, IPv4 and IPv6.</summary>
    public static List<IPAddress> Udp(int port) => [.. Read("/proc/net/udp", port, null), .. Read("/proc/net/udp6", port, null)];

    private static IEnumerable<IPAddress> Read(string file, int port, string? state)
    {
        if (!File.Exists(file)) yield break;
        foreach (var line in File.ReadLines(file).Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 4 || (state is not null && fields[3] != state)) continue;
            var local = fields[1].Split(':');
            if (int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) != port) continue;
            yield return Address(local[0]);
        }
    }

    /// <summary>The kernel prints addresses as 32-bit words in host (little-endian) order.</summary>
    private static IPAddress Address(string hex)
    {
        var bytes = new byte[hex.Length / 2];
        for (int word = 0; word < bytes.Length / 4; word++)
        {
            uint value = uint.Parse(hex.AsSpan(word * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            BitConverter.TryWriteBytes(bytes.AsSpan(word * 4, 4), value);
        }
        return new IPAddress(bytes);
    }
}
