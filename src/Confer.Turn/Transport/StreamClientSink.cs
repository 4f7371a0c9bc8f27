using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;
using Confer.Turn.Allocations;

namespace Confer.Turn.Transport;

/// <summary>
/// Sends to one TCP/TLS client through a bounded queue drained by one writer task, so relay threads
/// never wait on a slow client: when the queue is full the message is dropped (TURN data is datagram
/// traffic; the client sees loss, other clients see nothing). Buffers come from the shared pool.
/// </summary>
internal sealed class StreamClientSink(ClientTransport transport) : IClientSink
{
    public const int QueueLength = 512;

    private readonly Channel<(byte[] Buffer, int Length)> _queue = Channel.CreateBounded<(byte[], int)>(
        new BoundedChannelOptions(QueueLength) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public ClientTransport Transport { get; } = transport;

    /// <summary>Set by ConnectionBind (RFC 6062): from now on the connection is a raw pipe to this peer.</summary>
    public System.Net.Sockets.Socket? UpgradedPeer { get; set; }

    public bool Send(ReadOnlySpan<byte> bytes, SocketAddress destination)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(buffer);
        if (_queue.Writer.TryWrite((buffer, bytes.Length))) return true;
        ArrayPool<byte>.Shared.Return(buffer);
        return false;
    }

    /// <summary>Writes queued messages until <see cref="Complete"/>, flushing when the queue runs dry.</summary>
    public async Task RunAsync(PipeWriter output, CancellationToken ct)
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (reader.TryRead(out var item))
                {
                    output.Write(item.Buffer.AsSpan(0, item.Length));
                    ArrayPool<byte>.Shared.Return(item.Buffer);
                }
                var flush = await output.FlushAsync(ct).ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled) break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The connection went away; what is queued is dropped below.
        }
        finally
        {
            _queue.Writer.TryComplete();
            while (reader.TryRead(out var item)) ArrayPool<byte>.Shared.Return(item.Buffer);
        }
    }

    public void Complete() => _queue.Writer.TryComplete();
}
