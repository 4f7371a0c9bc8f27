using System.Buffers;
using System.Net.Sockets;

namespace Confer.Turn.Transport;

/// <summary>An RFC 6062 data connection after ConnectionBind: bytes copied both ways between client and peer until either side closes.</summary>
internal static class RawRelay
{
    private const int BufferSize = 16 * 1024;

    /// <summary>
    /// Sends <paramref name="toClient"/> and <paramref name="toPeer"/> (what was already read or queued), then copies until one side
    /// ends; the peer socket is disposed at the end, the client socket is left to the caller.
    /// </summary>
    public static async Task RunAsync(Socket client, Socket peer, byte[] toClient, byte[] toPeer)
    {
        using var stop = new CancellationTokenSource();
        Task up = Task.CompletedTask, down = Task.CompletedTask;
        try
        {
            if (toClient.Length > 0) await client.SendAsync(toClient, SocketFlags.None, stop.Token).ConfigureAwait(false);
            if (toPeer.Length > 0) await peer.SendAsync(toPeer, SocketFlags.None, stop.Token).ConfigureAwait(false);
            down = PumpAsync(peer, client, stop.Token);
            up = PumpAsync(client, peer, stop.Token);
            await Task.WhenAny(down, up).ConfigureAwait(false);
        }
        catch (Exception e) when (IsEnd(e))
        {
            // One side went away.
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            peer.Dispose();
            try
            {
                client.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (IsEnd(e))
            {
                // Already closed.
            }
            try
            {
                await Task.WhenAll(down, up).ConfigureAwait(false);
            }
            catch (Exception e) when (IsEnd(e))
            {
                // Expected once one side is closed.
            }
        }
    }

    private static async Task PumpAsync(Socket from, Socket to, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false);
                if (n == 0) break;
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsEnd(Exception e) => e is OperationCanceledException or SocketException or IOException or ObjectDisposedException;
}
