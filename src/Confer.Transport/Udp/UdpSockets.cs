using System.Net;
using System.Net.Sockets;

namespace Confer.Transport.Udp;

/// <summary>Creating and binding UDP sockets, with errors a person can act on.</summary>
internal static class UdpSockets
{
    private const int SolSocket = 1, SoReusePort = 15; // Linux <asm-generic/socket.h>

    public static bool CanReusePort => OperatingSystem.IsLinux();

    /// <summary>Binds one UDP socket; a port in use throws an <see cref="IOException"/> saying so.</summary>
    public static Socket Bind(IPEndPoint endpoint, bool reusePort)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6 && endpoint.Address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            if (reusePort)
            {
                Span<byte> one = [1, 0, 0, 0];
                socket.SetRawSocketOption(SolSocket, SoReusePort, one);
            }
            TrySetBuffers(socket);
            socket.Bind(endpoint);
            return socket;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new IOException($"UDP {Describe(endpoint)}: address already in use", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Binds <paramref name="count"/> sockets to one address. The first bind is made without SO_REUSEPORT,
    /// so a port held by anyone (even another Confer) is reported as in use instead of being shared.
    /// </summary>
    public static Socket[] BindGroup(IPEndPoint endpoint, int count)
    {
        if (!CanReusePort || count <= 1) return [Bind(endpoint, reusePort: false)];
        int port;
        using (var probe = Bind(endpoint, reusePort: false)) port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        var sockets = new List<Socket>(count);
        try
        {
            var target = new IPEndPoint(endpoint.Address, port);
            for (int i = 0; i < count; i++) sockets.Add(Bind(target, reusePort: true));
            return [.. sockets];
        }
        catch
        {
            foreach (var s in sockets) s.Dispose();
            throw;
        }
    }

    private static void TrySetBuffers(Socket socket)
    {
        try
        {
            socket.ReceiveBufferSize = 4 << 20;
            socket.SendBufferSize = 4 << 20;
        }
        catch (SocketException)
        {
            // The kernel caps these (net.core.rmem_max); the default still works.
        }
    }

    public static string Describe(IPEndPoint endpoint) =>
        endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]:{endpoint.Port}" : $"{endpoint.Address}:{endpoint.Port}";
}
