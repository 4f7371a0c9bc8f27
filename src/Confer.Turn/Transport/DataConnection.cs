using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Confer.Turn.Allocations;

namespace Confer.Turn.Transport;

/// <summary>
/// An RFC 6062 data connection's peer side: the peer's socket and the allocation whose bandwidth cap paces it. Set on
/// the client connection by ConnectionBind (RFC 6062 §5.4), after which the transport hands the connection over here and
/// the bytes flow raw, both ways.
/// </summary>
internal sealed record DataConnection(Socket Peer, Allocation Allocation) : IStreamTakeover
{
    /// <summary>A connection the epoll engine let go of (see <see cref="RawRelay"/>).</summary>
    public Task RunAsync(Socket client, byte[] toClient, byte[] fromClient) => RawRelay.RunAsync(client, this, toClient, fromClient);

    /// <summary>A Kestrel connection (TLS, or TCP without the engine): copies between its pipes and the peer until either side closes.</summary>
    /// <remarks>Paced by the allocation's bandwidth cap where there is one (see <see cref="RawRelay"/>).</remarks>
    public async Task RunAsync(IDuplexPipe connection, byte[] pending, CancellationToken ct)
    {
        var peer = Peer;
        var (toPeerLimit, toClientLimit, time) = (Allocation.ToPeerLimit, Allocation.ToClientLimit, Allocation.Time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task toClient = Task.CompletedTask, toPeer = Task.CompletedTask;
        try
        {
            if (pending.Length > 0)
            {
                await RawRelay.PaceAsync(toPeerLimit, pending.Length, time, stop.Token).ConfigureAwait(false);
                await peer.SendAsync(pending, SocketFlags.None, stop.Token).ConfigureAwait(false);
            }
            toClient = Task.Run(async () =>
            {
                var buffer = ArrayPool<byte>.Shared.Rent(16384);
                int chunk = toClientLimit?.ChunkBytes ?? 16384;
                try
                {
                    while (true)
                    {
                        int n = await peer.ReceiveAsync(buffer.AsMemory(0, chunk), SocketFlags.None, stop.Token).ConfigureAwait(false);
                        if (n == 0) break;
                        await RawRelay.PaceAsync(toClientLimit, n, time, stop.Token).ConfigureAwait(false);
                        var flush = await connection.Output.WriteAsync(buffer.AsMemory(0, n), stop.Token).ConfigureAwait(false);
                        if (flush.IsCompleted) break;
                    }
                }
                finally { ArrayPool<byte>.Shared.Return(buffer); }
            }, stop.Token);
            toPeer = Task.Run(async () =>
            {
                var input = connection.Input;
                while (true)
                {
                    var result = await input.ReadAsync(stop.Token).ConfigureAwait(false);
                    foreach (var segment in result.Buffer)
                    {
                        for (int offset = 0; offset < segment.Length;)
                        {
                            int n = Math.Min(segment.Length - offset, toPeerLimit?.ChunkBytes ?? segment.Length);
                            await RawRelay.PaceAsync(toPeerLimit, n, time, stop.Token).ConfigureAwait(false);
                            await peer.SendAsync(segment.Slice(offset, n), SocketFlags.None, stop.Token).ConfigureAwait(false);
                            offset += n;
                        }
                    }
                    input.AdvanceTo(result.Buffer.End);
                    if (result.IsCompleted || result.IsCanceled) break;
                }
            }, stop.Token);
            await Task.WhenAny(toClient, toPeer).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // One side went away.
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            peer.Dispose();
            try { await Task.WhenAll(toClient, toPeer).ConfigureAwait(false); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                // Expected once one side is closed.
            }
        }
    }
}
