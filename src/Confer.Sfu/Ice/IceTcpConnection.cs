using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;
using Confer.Stun;
using Confer.Transport.Classification;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Confer.Sfu.Ice;

/// <summary>Limits of one ICE-TCP connection, with their defaults here.</summary>
public sealed record IceTcpLimits
{
    /// <summary>Bytes queued towards the client (frames with their prefixes). Past it media is dropped, as a full UDP socket would.</summary>
    public int MaxQueuedBytes { get; init; } = 512 * 1024;

    /// <summary>Frames queued towards the client. Past it media is dropped.</summary>
    public int MaxQueuedPackets { get; init; } = 1024;

    /// <summary>
    /// The largest packet taken from the client. RFC 4571 allows 65535, but a browser's STUN, DTLS, RTP and RTCP packets fit
    /// an MTU: a longer frame is not ICE-TCP from a browser, and the connection is closed.
    /// </summary>
    public int MaxPacketLength { get; init; } = 4096;

    /// <summary>The longest first frame looked at to tell ICE-TCP from other traffic (a check is a few hundred bytes).</summary>
    public const int MaxCheckLength = 1024;
}

/// <summary>What the first bytes of a TCP connection say about ICE-TCP.</summary>
public enum IceTcpProbe : byte
{
    /// <summary>Not ICE-TCP for a session here (TURN's STUN, TLS, HTTP, an unknown ufrag…).</summary>
    No,
    /// <summary>The bytes so far fit; the rest of the first frame is needed.</summary>
    NeedMore,
    /// <summary>An RFC 4571 frame holding a Binding request whose USERNAME starts with a ufrag of a session here.</summary>
    Yes,
}

/// <summary>
/// One ICE-TCP connection to the SFU, the passive side (RFC 6544): every packet both ways is framed by its 16-bit length
/// (RFC 4571 §2). The first packet must be a check that succeeds for a session here; then the connection is an
/// <see cref="IcePath"/> (its sink is this) and DTLS, RTP and RTCP flow through it to the <see cref="IMediaPacketSink"/>
/// exactly as datagrams from a UDP 5-tuple do. Sending never blocks: frames are queued, bounded in bytes and count
/// (<see cref="IceTcpLimits"/>), and one writer drains them into the connection; when full, packets are dropped.
/// The connection closes when its path leaves the table (consent lost, RFC 7675 §5.2; the transport closed), on a bad
/// frame, and on any connection error; a closing connection takes its path out of the table.
/// </summary>
public sealed partial class IceTcpConnection : IClientSink, IIcePathObserver, IThreadPoolWorkItem
{
    private readonly IceCheckHandler _ice;
    private readonly IceSessionTable _table;
    private readonly IMediaPacketSink _media;
    private readonly FiveTuple _tuple;
    private readonly SocketAddress _client;
    private readonly IceTcpLimits _limits;
    private readonly ILogger _logger;
    private readonly Channel<(byte[] Buffer, int Length)> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Stack<byte[]> _free = new(); // slots of SlotSize, reused: the pool's per-thread caches do not survive
                                                  // renting on the forwarding thread and returning on the writer's
    private int _queuedBytes;
    private volatile bool _closed;
    private bool _checked;
    private long _packetsIn, _packetsOut, _dropped;

    public IceTcpConnection(IceCheckHandler ice, IceSessionTable table, IMediaPacketSink media, FiveTuple tuple, SocketAddress client,
        IceTcpLimits? limits = null, ILogger? logger = null)
    {
        _ice = ice;
        _table = table;
        _media = media;
        _tuple = tuple;
        _client = client;
        _limits = limits ?? new IceTcpLimits();
        _logger = logger ?? NullLogger.Instance;
        _queue = Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(_limits.MaxQueuedPackets)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite says false when full: the sender drops, never waits
        });
    }

    public ClientTransport Transport => _tuple.Transport;

    public FiveTuple Tuple => _tuple;

    /// <summary>Packets taken from the client (every frame, STUN included).</summary>
    public long PacketsIn => Interlocked.Read(ref _packetsIn);

    /// <summary>Frames queued towards the client.</summary>
    public long PacketsOut => Interlocked.Read(ref _packetsOut);

    /// <summary>Packets dropped: the send queue was full or the connection closing, or media came before a check.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public bool IsClosed => _closed;

    /// <summary>
    /// Looks at a new connection's first bytes without consuming them: <see cref="IceTcpProbe.Yes"/> for an RFC 4571 frame
    /// holding a Binding request for a session here. TURN over TCP differs from its first byte on: its STUN message starts
    /// at byte 0, so the magic cookie is at offset 4, not 6 (RFC 8489 §6.2.2, RFC 6544 §3).
    /// </summary>
    public static IceTcpProbe Probe(in ReadOnlySequence<byte> buffer, IceCheckHandler ice)
    {
        const int head = IceTcpFramer.LengthPrefix + 8; // the prefix, the message type and length, the cookie
        Span<byte> bytes = stackalloc byte[head];
        int have = (int)Math.Min(buffer.Length, head);
        buffer.Slice(0, have).CopyTo(bytes);
        if (have >= 3 && bytes[2] != 0) return IceTcpProbe.No;
        if (have >= 4 && bytes[3] != 1) return IceTcpProbe.No; // Binding request, 0x0001
        if (have >= 2)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(bytes);
            if (length < StunMessage.HeaderLength || length > IceTcpLimits.MaxCheckLength) return IceTcpProbe.No;
        }
        if (have < head) return IceTcpProbe.NeedMore;
        if (BinaryPrimitives.ReadUInt32BigEndian(bytes[6..]) != StunMessage.MagicCookie) return IceTcpProbe.No;
        int frame = IceTcpFramer.LengthPrefix + BinaryPrimitives.ReadUInt16BigEndian(bytes);
        if (buffer.Length < frame) return IceTcpProbe.NeedMore;
        Span<byte> message = stackalloc byte[IceTcpLimits.MaxCheckLength];
        buffer.Slice(IceTcpFramer.LengthPrefix, frame - IceTcpFramer.LengthPrefix).CopyTo(message);
        return ice.IsCheckForKnownSession(message[..(frame - IceTcpFramer.LengthPrefix)]) ? IceTcpProbe.Yes : IceTcpProbe.No;
    }

    /// <summary>Serves the connection until the client leaves, <see cref="Close"/>, or <paramref name="cancellationToken"/>.</summary>
    public async Task RunAsync(IDuplexPipe pipe, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        var writer = WriteLoopAsync(pipe.Output, linked.Token);
        string reason = "the client closed it";
        try
        {
            reason = await ReadLoopAsync(pipe.Input, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            reason = "closed by the server";
        }
        catch (Exception e)
        {
            reason = "connection error";
            Log.Failed(_logger, _tuple, e);
        }
        finally
        {
            _closed = true;
            _table.RemovePath(_tuple); // its path goes; if it was the nominated one, consent with it (RFC 7675 §5.2)
            _queue.Writer.TryComplete();
            CancelQuietly();
            try
            {
                await writer.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The writer ends with the connection; what it met is the connection's end, already handled.
            }
            while (_queue.Reader.TryRead(out var item)) ReturnSlot(item.Buffer);
            lock (_free) _free.Clear();
            Log.Closed(_logger, _tuple, reason);
        }
    }

    /// <summary>Closes the connection (idempotent, from any thread).</summary>
    public void Close()
    {
        _closed = true;
        CancelQuietly();
    }

    private void CancelQuietly()
    {
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task<string> ReadLoopAsync(PipeReader input, CancellationToken ct)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(_limits.MaxPacketLength);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(ct).ConfigureAwait(false);
                var buffer = result.Buffer;
                string? refused = TakeFrames(ref buffer, scratch);
                input.AdvanceTo(buffer.Start, buffer.End);
                if (refused is not null) return refused;
                if (result.IsCompleted) return "the client closed it";
                if (result.IsCanceled || _closed) return "closed by the server";
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
            await input.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Hands every whole frame on (RFC 4571 §2); a reason when the connection must close, else null.</summary>
    private string? TakeFrames(ref ReadOnlySequence<byte> buffer, byte[] scratch)
    {
        Span<byte> prefix = stackalloc byte[IceTcpFramer.LengthPrefix];
        while (buffer.Length >= IceTcpFramer.LengthPrefix)
        {
            buffer.Slice(0, IceTcpFramer.LengthPrefix).CopyTo(prefix);
            int length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
            if (length == 0 || length > _limits.MaxPacketLength) return $"a {length}-byte frame";
            if (buffer.Length < IceTcpFramer.LengthPrefix + length) return null;
            // A copy the receiver may write: SRTP is decrypted in place (MediaTransport).
            buffer.Slice(IceTcpFramer.LengthPrefix, length).CopyTo(scratch);
            buffer = buffer.Slice(IceTcpFramer.LengthPrefix + length);
            Interlocked.Increment(ref _packetsIn);
            if (Dispatch(scratch.AsSpan(0, length)) is { } refused) return refused;
            if (_closed) return "closed by the server";
        }
        return null;
    }

    private string? Dispatch(Span<byte> packet)
    {
        var context = new PacketContext(_tuple, _client, this);
        var kind = PacketClassifier.Classify(packet);
        if (kind == PacketKind.Stun)
        {
            var result = _ice.Handle(packet, context);
            if (result is IceCheckResult.Success or IceCheckResult.Nominated) _checked = true;
            else if (!_checked) return $"its first check was not valid ({result})"; // unknown ufrag, wrong password…
            return null;
        }
        if (kind is PacketKind.Dtls or PacketKind.Rtp or PacketKind.Rtcp && _table.TryGetPath(_tuple, out var path))
        {
            _media.OnPacket(path, kind, packet, context);
            return null;
        }
        Interlocked.Increment(ref _dropped);
        return _checked ? null : "it sent something else than a check first";
    }

    /// <summary>
    /// IClientSink: queues one packet with its RFC 4571 prefix (the destination is the connection's). Never blocks; false
    /// when the queue is full or the connection closing. Allocation-free once the pool is warm.
    /// </summary>
    public bool Send(ReadOnlySpan<byte> bytes, SocketAddress destination)
    {
        int size = IceTcpFramer.LengthPrefix + bytes.Length;
        if (_closed || bytes.IsEmpty || bytes.Length > ushort.MaxValue) return Drop();
        if (Interlocked.Add(ref _queuedBytes, size) > _limits.MaxQueuedBytes)
        {
            Interlocked.Add(ref _queuedBytes, -size);
            return Drop();
        }
        var buffer = RentSlot(size);
        IceTcpFramer.WriteLength(buffer, bytes.Length);
        bytes.CopyTo(buffer.AsSpan(IceTcpFramer.LengthPrefix));
        if (!_queue.Writer.TryWrite((buffer, size)))
        {
            Interlocked.Add(ref _queuedBytes, -size);
            ReturnSlot(buffer);
            return Drop();
        }
        Interlocked.Increment(ref _packetsOut);
        return true;
    }

    /// <summary>A frame's buffer: a reused slot for a packet that fits an MTU (all media), the shared pool for more.</summary>
    private byte[] RentSlot(int size)
    {
        if (size > SlotSize) return ArrayPool<byte>.Shared.Rent(size);
        lock (_free)
        {
            if (_free.TryPop(out var slot)) return slot;
        }
        return new byte[SlotSize]; // at most MaxQueuedPackets of them live at once, then they are reused
    }

    private void ReturnSlot(byte[] buffer)
    {
        if (buffer.Length != SlotSize)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return;
        }
        lock (_free)
        {
            if (!_closed && _free.Count < _limits.MaxQueuedPackets) _free.Push(buffer);
        }
    }

    /// <summary>Slot size: an MTU-sized packet and its prefix (not a power of two, so never confused with a pooled array).</summary>
    private const int SlotSize = 1536;

    private bool Drop()
    {
        Interlocked.Increment(ref _dropped);
        return false;
    }

    /// <summary>One writer: what is queued goes out in one write per frame and one flush per batch.</summary>
    private async Task WriteLoopAsync(PipeWriter output, CancellationToken ct)
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                int batch = 0;
                while (batch++ < 256 && reader.TryRead(out var item))
                {
                    output.Write(item.Buffer.AsSpan(0, item.Length));
                    Interlocked.Add(ref _queuedBytes, -item.Length);
                    ReturnSlot(item.Buffer);
                }
                var flushed = await output.FlushAsync(ct).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled) break;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            Log.Failed(_logger, _tuple, e);
        }
        finally
        {
            Close(); // a write that failed ends the connection
            await output.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>IIcePathObserver: a path through this connection left the table; checked on the thread pool, not here.</summary>
    public void OnPathRemoved(IcePath path)
    {
        if (!_closed) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>Closes the connection when no path runs through it any more (consent lost, its transport closed).</summary>
    void IThreadPoolWorkItem.Execute()
    {
        if (_table.TryGetPath(_tuple, out var path) && ReferenceEquals(path.Sink, this)) return;
        Log.PathGone(_logger, _tuple);
        Close();
    }

    public override string ToString() => $"ICE-TCP {_tuple}";

    private static partial class Log
    {
        [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "ICE-TCP connection {Tuple} closed: {Reason}")]
        public static partial void Closed(ILogger logger, FiveTuple tuple, string reason);

        [LoggerMessage(EventId = 11, Level = LogLevel.Debug, Message = "ICE-TCP connection {Tuple} failed")]
        public static partial void Failed(ILogger logger, FiveTuple tuple, Exception exception);

        [LoggerMessage(EventId = 12, Level = LogLevel.Debug, Message = "ICE-TCP connection {Tuple} carries no ICE path any more (consent lost or its transport closed): closing")]
        public static partial void PathGone(ILogger logger, FiveTuple tuple);
    }
}
