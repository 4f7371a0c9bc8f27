using System.Net;
using System.Net.Sockets;

namespace Confer.Turn.Tests.Infrastructure;

/// <summary>
/// Picks ports for servers the tests start as separate processes. Ports come from 20000–32767, below
/// Linux's ephemeral range (32768–60999), so client sockets opened meanwhile cannot take them; each
/// candidate is checked by binding it (UDP and TCP, on every address given) and then released.
/// </summary>
internal static class FreePorts
{
    private const int First = 20000;
    private const int Last = 32767;

    /// <summary>
    /// A port P such that P … P+count-1 are free for UDP and TCP on every address. A STUN server with an
    /// RFC 5780 second address needs count 2 (it binds P and P+1 on both addresses).
    /// </summary>
    public static int FindRun(int count, params IPAddress[] addresses)
    {
        if (addresses.Length == 0) addresses = [IPAddress.Loopback];
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int port = Random.Shared.Next(First, Last - count);
            if (Enumerable.Range(port, count).All(p => addresses.All(a => IsFree(a, p)))) return port;
        }
        throw new InvalidOperationException($"No run of {count} free UDP+TCP ports in {First}-{Last} on {string.Join(", ", (object[])addresses)}.");
    }

    /// <summary>One free TCP port (for HTTP).</summary>
    public static int FindTcp(IPAddress? address = null)
    {
        address ??= IPAddress.Loopback;
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int port = Random.Shared.Next(First, Last);
            if (IsFree(address, port, SocketType.Stream, ProtocolType.Tcp)) return port;
        }
        throw new InvalidOperationException($"No free TCP port in {First}-{Last} on {address}.");
    }

    public static bool IsFree(IPAddress address, int port) =>
        IsFree(address, port, SocketType.Dgram, ProtocolType.Udp) && IsFree(address, port, SocketType.Stream, ProtocolType.Tcp);

    private static bool IsFree(IPAddress address, int port, SocketType type, ProtocolType protocol)
    {
        try
        {
            using var socket = new Socket(address.AddressFamily, type, protocol);
            socket.Bind(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
