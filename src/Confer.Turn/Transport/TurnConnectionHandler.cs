using System.Buffers;
using System.Net;
using Confer.Stun;
using Confer.Turn.Allocations;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Confer.Turn.Transport;

/// <summary>
/// STUN/TURN over TCP and TLS (RFC 8489 §6.2.2, RFC 8656 §3.1) as a Kestrel connection handler: the
/// byte stream is split into STUN messages and ChannelData messages by their length fields; anything
/// else closes the connection without a reply.
/// </summary>
public sealed partial class TurnConnectionHandler(IPacketHandler handler, ILogger<TurnConnectionHandler> logger, IHostApplicationLifetime? lifetime = null) : ConnectionHandler
{
    /// <summary>The largest frame: a 20-byte header plus 65535 bytes (4 + 65535 rounded up for ChannelData).</summary>
    private const int MaxFrame = StunMessage.HeaderLength + ushort.MaxValue + 3;

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        if (connection.RemoteEndPoint is not IPEndPoint remote || connection.LocalEndPoint is not IPEndPoint local) return;
        var transport = connection.Features.Get<ITlsHandshakeFeature>() is null ? ClientTransport.Tcp : ClientTransport.Tls;
        var tuple = new FiveTuple(TransportAddress.FromEndPoint(remote), TransportAddress.FromEndPoint(local), transport);
        var address = remote.Serialize();
        var sink = new StreamClientSink(transport);
        // Kestrel waits for connection handlers at shutdown: end with the host, not only with the client.
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, lifetime?.ApplicationStopping ?? default);
        var writer = sink.RunAsync(connection.Transport.Output, closed.Token);
        var scratch = ArrayPool<byte>.Shared.Rent(MaxFrame);
        var input = connection.Transport.Input;
        // One registration for the connection instead of a token on every read (each costs a registration).
        using var cancelRead = closed.Token.UnsafeRegister(static state => ((System.IO.Pipelines.PipeReader)state!).CancelPendingRead(), input);
        Log.Connected(logger, tuple);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                bool ok = ProcessFrames(ref buffer, new PacketContext(tuple, address, sink), sink, scratch);
                if (sink.Upgraded is { } peer)
                {
                    // RFC 6062 §5.4: after ConnectionBind this is a data connection; bytes already read go first.
                    var rest = buffer.ToArray();
                    input.AdvanceTo(buffer.End);
                    sink.Complete();
                    await writer.ConfigureAwait(false);
                    await RelayRawAsync(connection, peer, rest, closed.Token).ConfigureAwait(false);
                    break;
                }
                input.AdvanceTo(buffer.Start, buffer.End);
                if (!ok)
                {
                    Log.NotStun(logger, tuple);
                    break;
                }
                if (result.IsCompleted || result.IsCanceled) break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException or ConnectionAbortedException)
        {
            // The client went away.
        }
        catch (Exception e)
        {
            Log.ConnectionFailed(logger, tuple, e);
        }
        finally
        {
            handler.OnConnectionClosed(tuple);
            sink.Complete();
            await writer.ConfigureAwait(false);
            ArrayPool<byte>.Shared.Return(scratch);
            Log.Disconnected(logger, tuple);
        }
    }

    /// <summary>Hands every complete frame to the dispatcher; false when the stream is not STUN/ChannelData.</summary>
    private bool ProcessFrames(ref ReadOnlySequence<byte> buffer, in PacketContext context, StreamClientSink sink, byte[] scratch)
    {
        Span<byte> head = stackalloc byte[4];
        while (buffer.Length >= 4)
        {
            ReadOnlySpan<byte> first = buffer.FirstSpan.Length >= 4 ? buffer.FirstSpan : Copy(buffer, head);
            // With 4 bytes the length is known even when the rest of the frame is in later segments.
            if (!StunFraming.TryGetFrameLength(first, out int length, out _, out bool needMore) && !needMore) return false;
            if (buffer.Length < length) return true;
            var frame = buffer.Slice(0, length);
            ReadOnlySpan<byte> bytes;
            if (frame.IsSingleSegment) bytes = frame.FirstSpan;
            else
            {
                frame.CopyTo(scratch);
                bytes = scratch.AsSpan(0, length);
            }
            try
            {
                handler.OnPacket(bytes, context);
            }
            catch (Exception e)
            {
                Log.FrameFailed(logger, context.Tuple, e);
            }
            buffer = buffer.Slice(length);
            if (sink.Upgraded is not null) return true;
        }
        return true;
    }

    /// <summary>Copies bytes both ways between a client data connection and its peer until either side closes.</summary>
    /// <remarks>Paced by the allocation's bandwidth cap where there is one (see <see cref="RawRelay"/>).</remarks>
    private static async Task RelayRawAsync(ConnectionContext connection, DataConnection data, byte[] pending, CancellationToken ct)
    {
        var peer = data.Peer;
        var (toPeerLimit, toClientLimit, time) = (data.Allocation.ToPeerLimit, data.Allocation.ToClientLimit, data.Allocation.Time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task toClient = Task.CompletedTask, toPeer = Task.CompletedTask;
        try
        {
            if (pending.Length > 0)
            {
                await RawRelay.PaceAsync(toPeerLimit, pending.Length, time, stop.Token).ConfigureAwait(false);
                await peer.SendAsync(pending, System.Net.Sockets.SocketFlags.None, stop.Token).ConfigureAwait(false);
            }
            toClient = Task.Run(async () =>
            {
                var buffer = ArrayPool<byte>.Shared.Rent(16384);
                int chunk = toClientLimit?.ChunkBytes ?? 16384;
                try
                {
                    while (true)
                    {
                        int n = await peer.ReceiveAsync(buffer.AsMemory(0, chunk), System.Net.Sockets.SocketFlags.None, stop.Token).ConfigureAwait(false);
                        if (n == 0) break;
                        await RawRelay.PaceAsync(toClientLimit, n, time, stop.Token).ConfigureAwait(false);
                        var flush = await connection.Transport.Output.WriteAsync(buffer.AsMemory(0, n), stop.Token).ConfigureAwait(false);
                        if (flush.IsCompleted) break;
                    }
                }
                finally { ArrayPool<byte>.Shared.Return(buffer); }
            }, stop.Token);
            toPeer = Task.Run(async () =>
            {
                var input = connection.Transport.Input;
                while (true)
                {
                    var result = await input.ReadAsync(stop.Token).ConfigureAwait(false);
                    foreach (var segment in result.Buffer)
                    {
                        for (int offset = 0; offset < segment.Length;)
                        {
                            int n = Math.Min(segment.Length - offset, toPeerLimit?.ChunkBytes ?? segment.Length);
                            await RawRelay.PaceAsync(toPeerLimit, n, time, stop.Token).ConfigureAwait(false);
                            await peer.SendAsync(segment.Slice(offset, n), System.Net.Sockets.SocketFlags.None, stop.Token).ConfigureAwait(false);
                            offset += n;
                        }
                    }
                    input.AdvanceTo(result.Buffer.End);
                    if (result.IsCompleted || result.IsCanceled) break;
                }
            }, stop.Token);
            await Task.WhenAny(toClient, toPeer).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or System.Net.Sockets.SocketException or IOException or ObjectDisposedException)
        {
            // One side went away.
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            peer.Dispose();
            try { await Task.WhenAll(toClient, toPeer).ConfigureAwait(false); }
            catch (Exception e) when (e is OperationCanceledException or System.Net.Sockets.SocketException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                // Expected once one side is closed.
            }
        }
    }

    private static ReadOnlySpan<byte> Copy(in ReadOnlySequence<byte> buffer, Span<byte> head)
    {
        buffer.Slice(0, 4).CopyTo(head);
        return head;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "Client connected: {Tuple}")]
        public static partial void Connected(ILogger logger, FiveTuple tuple);

        [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "Client disconnected: {Tuple}")]
        public static partial void Disconnected(ILogger logger, FiveTuple tuple);

        [LoggerMessage(EventId = 202, Level = LogLevel.Debug, Message = "Closing {Tuple}: the stream is not STUN or ChannelData")]
        public static partial void NotStun(ILogger logger, FiveTuple tuple);

        [LoggerMessage(EventId = 203, Level = LogLevel.Debug, Message = "A frame from {Tuple} could not be handled")]
        public static partial void FrameFailed(ILogger logger, FiveTuple tuple, Exception exception);

        [LoggerMessage(EventId = 204, Level = LogLevel.Debug, Message = "Connection {Tuple} failed")]
        public static partial void ConnectionFailed(ILogger logger, FiveTuple tuple, Exception exception);
    }
}
