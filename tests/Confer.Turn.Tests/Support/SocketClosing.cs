using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Confer.Turn.Tests.Support;

/// <summary>Watching for the server to close a connection: what the connection guard tests assert.</summary>
internal static class SocketClosing
{
    /// <summary>How long after the call the server closed <paramref name="socket"/> (end of stream or reset); fails if it is still open after <paramref name="limit"/>.</summary>
    public static async Task<TimeSpan> ClosedWithinAsync(Socket socket, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        using var cts = new CancellationTokenSource(limit);
        var buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0)
            {
            }
            return watch.Elapsed;
        }
        catch (SocketException)
        {
            return watch.Elapsed;
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"The server kept the connection open for {limit.TotalSeconds:0.#} s.");
        }
    }

    /// <summary>Connects and waits for the server to close the connection at once (a refusal); the connect itself may see the reset.</summary>
    public static async Task AssertRefusedAsync(IPEndPoint server, IPAddress? source = null)
    {
        Socket socket;
        try
        {
            socket = await ConnectAsync(server, source);
        }
        catch (SocketException)
        {
            return; // reset before the connect returned
        }
        using (socket)
        {
            try
            {
                await socket.SendAsync(new byte[] { 0, 1, 0, 0 }); // a request's first bytes: never answered
            }
            catch (SocketException)
            {
                return;
            }
            await ClosedWithinAsync(socket, TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>A TCP connection to <paramref name="server"/> from <paramref name="source"/> (another 127.x address is another source).</summary>
    public static async Task<Socket> ConnectAsync(IPEndPoint server, IPAddress? source = null)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (source is not null) socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(server);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
