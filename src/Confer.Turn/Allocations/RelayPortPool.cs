using System.Net;
using System.Net.Sockets;

namespace Confer.Turn.Allocations;

/// <summary>
/// Binds relay sockets on ports from the configured range, starting at a random port and probing on
/// (RFC 8656 §7.2 asks for unpredictable relay ports). A port is free again when its socket is closed.
/// </summary>
public sealed class RelayPortPool(int min, int max)
{
    private const int MaxProbes = 128;

    /// <summary>Binds a UDP socket in range; <paramref name="even"/> wants an even port. Null when none is free.</summary>
    public Socket? Bind(IPAddress address, bool even, Func<int, bool>? alsoNeeds = null)
    {
        int span = max - min + 1;
        int start = Random.Shared.Next(span);
        for (int i = 0; i < Math.Min(span, MaxProbes * (even ? 2 : 1)); i++)
        {
            int port = min + (start + i) % span;
            if (even && (port & 1) != 0) continue;
            var socket = TryBind(address, port);
            if (socket is null) continue;
            if (alsoNeeds is null || alsoNeeds(port)) return socket;
            socket.Dispose();
        }
        return null;
    }

    /// <summary>A listening TCP relay socket for RFC 6062 allocations; null when no port is free.</summary>
    public Socket? BindTcp(IPAddress address)
    {
        int span = max - min + 1;
        int start = Random.Shared.Next(span);
        for (int i = 0; i < Math.Min(span, MaxProbes); i++)
        {
            var socket = TryBind(address, min + (start + i) % span, tcp: true);
            if (socket is null) continue;
            socket.Listen(64);
            return socket;
        }
        return null;
    }

    public static Socket? TryBind(IPAddress address, int port, bool tcp = false)
    {
        var socket = tcp
            ? new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (tcp && !OperatingSystem.IsWindows()) socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(address, port));
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }
}
