using System.Net;
using System.Net.Sockets;

namespace Confer.Browser.Tests.Meeting;

/// <summary>
/// A loopback TCP forwarder in front of the server, so a test can cut a browser's WebSocket the way
/// a network does: <see cref="DropAll"/> resets both sides at once (no close frame, no leave).
/// </summary>
public sealed class TcpDropProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly List<Socket> _sockets = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public TcpDropProxy(IPEndPoint target)
    {
        _target = target;
        _listener.Start();
        _accepting = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>While true, new connections are reset at once, as when the server cannot be reached.</summary>
    public volatile bool Refusing;

    /// <summary>Resets every connection made so far (TCP RST to both ends).</summary>
    public void DropAll()
    {
        lock (_sockets)
        {
            foreach (var s in _sockets)
            {
                try { s.LingerState = new LingerOption(true, 0); s.Close(); } catch (ObjectDisposedException) { }
            }
            _sockets.Clear();
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            if (Refusing)
            {
                client.LingerState = new LingerOption(true, 0);
                client.Close();
                continue;
            }
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try { await server.ConnectAsync(_target, _stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException) { client.Dispose(); continue; }
            lock (_sockets) { _sockets.Add(client); _sockets.Add(server); }
            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0) { to.Shutdown(SocketShutdown.Send); return; }
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        DropAll();
        try { await _accepting; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
