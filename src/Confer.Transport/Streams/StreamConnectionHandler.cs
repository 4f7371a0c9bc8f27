using System.Buffers;
using System.Net;
using Confer.Transport.Classification;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Confer.Transport.Streams;

/// <summary>
/// A framed protocol over TCP and TLS as a Kestrel connection handler (TURN: STUN/TURN over TCP and TLS, RFC 8489
/// §6.2.2, RFC 8656 §3.1): the byte stream is cut into frames as the <see cref="IStreamFramer"/> says and each is handed to
/// the <see cref="IPacketHandler"/>; a stream that is not the framer's protocol is closed without a reply.
/// </summary>
/// <remarks>
/// With a <see cref="StreamConnectionGuard"/> (the host registers one), every connection is counted and watched by it:
/// admitted at accept by <see cref="StreamConnectionGuardMiddleware"/> where the listener has it (TLS: before the
/// handshake), else here; told of every incomplete frame; closed past its deadlines.
/// </remarks>
public sealed partial class StreamConnectionHandler(IPacketHandler handler, IStreamFramer framer, ILogger<StreamConnectionHandler> logger,
    IHostApplicationLifetime? lifetime = null, StreamConnectionGuard? guard = null) : ConnectionHandler
{
    private static readonly TransportOptions Defaults = new();

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        if (connection.RemoteEndPoint is not IPEndPoint remote || connection.LocalEndPoint is not IPEndPoint local) return;
        var transport = connection.Features.Get<ITlsHandshakeFeature>() is null ? ClientTransport.Tcp : ClientTransport.Tls;
        var guarded = connection.Features.Get<GuardedConnection>();
        bool admittedHere = false;
        if (guarded is null && guard is not null)
        {
            guarded = guard.TryAdmit(remote, tls: false);
            if (guarded is null)
            {
                connection.Abort(new ConnectionAbortedException("Too many connections."));
                return;
            }
            guarded.Bind(() => connection.Abort(new ConnectionAbortedException("Closed by the connection guard.")));
            admittedHere = true;
        }
        try
        {
            guarded?.HandshakeDone();
            await ServeAsync(connection, remote, local, transport, guarded).ConfigureAwait(false);
        }
        finally
        {
            if (admittedHere) guarded!.Dispose();
        }
    }

    private async Task ServeAsync(ConnectionContext connection, IPEndPoint remote, IPEndPoint local, ClientTransport transport, GuardedConnection? guarded)
    {
        var tuple = new FiveTuple(TransportAddress.FromEndPoint(remote), TransportAddress.FromEndPoint(local), transport);
        var address = remote.Serialize();
        var options = guard?.Options ?? Defaults;
        var sink = new StreamClientSink(transport, options.ClientQueueBytes, options.StallTimeout, guard?.Time ?? TimeProvider.System, Overflow, guarded);
        // Kestrel waits for connection handlers at shutdown: end with the host, not only with the client.
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, lifetime?.ApplicationStopping ?? default);
        var writer = sink.RunAsync(connection.Transport.Output, closed.Token);
        var scratch = ArrayPool<byte>.Shared.Rent(framer.MaxFrameLength);
        var input = connection.Transport.Input;
        // One registration for the connection instead of a token on every read (each costs a registration).
        using var cancelRead = closed.Token.UnsafeRegister(static state => ((System.IO.Pipelines.PipeReader)state!).CancelPendingRead(), input);
        if (logger.IsEnabled(LogLevel.Debug)) Log.Connected(logger, tuple, Alpn(connection));
        try
        {
            while (true)
            {
                var result = await input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                bool ok = ProcessFrames(ref buffer, new PacketContext(tuple, address, sink), sink, scratch, out bool completedOne);
                if (sink.Upgraded is { } peer)
                {
                    guarded?.Detach();
                    // Taken over (TURN: after ConnectionBind this is a data connection, RFC 6062 §5.4); bytes already read go first.
                    var rest = buffer.ToArray();
                    input.AdvanceTo(buffer.End);
                    sink.Complete();
                    await writer.ConfigureAwait(false);
                    await peer.RunAsync(connection.Transport, rest, closed.Token).ConfigureAwait(false);
                    break;
                }
                // What a foreign stream looks like (TLS on a plain port, HTTP): read before the buffer is handed back.
                var foreign = ok ? StreamKind.Unknown : StreamClassifier.Describe(buffer);
                guarded?.FrameProgress(incomplete: !buffer.IsEmpty, completedOne);
                input.AdvanceTo(buffer.Start, buffer.End);
                if (!ok)
                {
                    Log.NotFramed(logger, tuple, foreign);
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

        void Overflow()
        {
            Log.SlowReader(logger, tuple);
            if (guarded is not null) guarded.Close("slow_reader");
            else connection.Abort(new ConnectionAbortedException("The client does not read."));
        }
    }

    /// <summary>Hands every complete frame to the handler; false when the stream is not the framer's protocol.</summary>
    private bool ProcessFrames(ref ReadOnlySequence<byte> buffer, in PacketContext context, StreamClientSink sink, byte[] scratch, out bool completedOne)
    {
        completedOne = false;
        int header = framer.HeaderLength;
        Span<byte> head = stackalloc byte[MaxHeader];
        head = head[..Math.Min(header, MaxHeader)];
        while (buffer.Length >= header)
        {
            ReadOnlySpan<byte> first = buffer.FirstSpan.Length >= header ? buffer.FirstSpan : Copy(buffer, head);
            // With the header in, the length is known even when the rest of the frame is in later segments.
            if (!framer.TryGetFrameLength(first, out int length, out bool needMore) && !needMore) return false;
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
            completedOne = true;
            if (sink.Upgraded is not null) return true;
        }
        return true;
    }

    /// <summary>The protocol ALPN chose for a TLS connection (TURN: "stun.turn", RFC 7443), or "none".</summary>
    private static string Alpn(ConnectionContext connection) =>
        connection.Features.Get<ITlsApplicationProtocolFeature>()?.ApplicationProtocol is { Length: > 0 } protocol
            ? System.Text.Encoding.ASCII.GetString(protocol.Span)
            : "none";

    /// <summary>The most header bytes copied out of a split buffer (a framer's header is a few bytes).</summary>
    private const int MaxHeader = 32;

    private static ReadOnlySpan<byte> Copy(in ReadOnlySequence<byte> buffer, Span<byte> head)
    {
        buffer.Slice(0, head.Length).CopyTo(head);
        return head;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "Client connected: {Tuple} (ALPN {Protocol})")]
        public static partial void Connected(ILogger logger, FiveTuple tuple, string protocol);

        [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "Client disconnected: {Tuple}")]
        public static partial void Disconnected(ILogger logger, FiveTuple tuple);

        [LoggerMessage(EventId = 202, Level = LogLevel.Debug, Message = "Closing {Tuple}: the stream is not of the protocol served here (it looks like {Kind})")]
        public static partial void NotFramed(ILogger logger, FiveTuple tuple, StreamKind kind);

        [LoggerMessage(EventId = 203, Level = LogLevel.Debug, Message = "A frame from {Tuple} could not be handled")]
        public static partial void FrameFailed(ILogger logger, FiveTuple tuple, Exception exception);

        [LoggerMessage(EventId = 204, Level = LogLevel.Debug, Message = "Connection {Tuple} failed")]
        public static partial void ConnectionFailed(ILogger logger, FiveTuple tuple, Exception exception);

        [LoggerMessage(EventId = 205, Level = LogLevel.Debug, Message = "Closing {Tuple}: it does not read what is sent to it")]
        public static partial void SlowReader(ILogger logger, FiveTuple tuple);
    }
}
