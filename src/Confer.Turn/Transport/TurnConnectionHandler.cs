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
        Log.Connected(logger, tuple);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(closed.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                bool ok = ProcessFrames(ref buffer, new PacketContext(tuple, address, sink), scratch);
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
    private bool ProcessFrames(ref ReadOnlySequence<byte> buffer, in PacketContext context, byte[] scratch)
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
        }
        return true;
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
