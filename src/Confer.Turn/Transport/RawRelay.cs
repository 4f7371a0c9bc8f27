using System.Buffers;
using System.Net.Sockets;
using Confer.Turn.Allocations;

namespace Confer.Turn.Transport;

/// <summary>
/// An RFC 6062 data connection after ConnectionBind: bytes copied both ways between client and peer until either side
/// closes, paced by the allocation's bandwidth cap (<c>--max-bps</c>) where there is one: a stream waits rather than
/// drops, so the sender feels TCP's back-pressure.
/// </summary>
internal static class RawRelay
{
    private const int BufferSize = 16 * 1024;

    /// <summary>
    /// Sends <paramref name="toClient"/> and <paramref name="toPeer"/> (what was already read or queued), then copies until one side
    /// ends; the peer socket is disposed at the end, the client socket is left to the caller.
    /// </summary>
    public static async Task RunAsync(Socket client, DataConnection data, byte[] toClient, byte[] toPeer)
    {
        var peer = data.Peer;
        var allocation = data.Allocation;
        using var stop = new CancellationTokenSource();
        Task up = Task.CompletedTask, down = Task.CompletedTask;
        try
        {
            if (toClient.Length > 0) await client.SendAsync(toClient, SocketFlags.None, stop.Token).ConfigureAwait(false);
            if (toPeer.Length > 0)
            {
                await PaceAsync(allocation.ToPeerLimit, toPeer.Length, allocation.Time, stop.Token).ConfigureAwait(false);
                await peer.SendAsync(toPeer, SocketFlags.None, stop.Token).ConfigureAwait(false);
            }
            down = PumpAsync(peer, client, allocation.ToClientLimit, allocation.Time, stop.Token);
            up = PumpAsync(client, peer, allocation.ToPeerLimit, allocation.Time, stop.Token);
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

    /// <summary>Waits as long as <paramref name="limiter"/> says <paramref name="bytes"/> must (not at all without a cap).</summary>
    public static Task PaceAsync(BandwidthLimiter? limiter, int bytes, TimeProvider time, CancellationToken ct)
    {
        if (limiter is null) return Task.CompletedTask;
        var wait = limiter.Reserve(bytes);
        return wait <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(wait, time, ct);
    }

    private static async Task PumpAsync(Socket from, Socket to, BandwidthLimiter? limiter, TimeProvider time, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        int chunk = limiter?.ChunkBytes ?? BufferSize;
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer.AsMemory(0, chunk), SocketFlags.None, ct).ConfigureAwait(false);
                if (n == 0) break;
                await PaceAsync(limiter, n, time, ct).ConfigureAwait(false);
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
