using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Confer.Transport.Classification;
using Confer.Transport.Native;
using Microsoft.Extensions.Logging;

namespace Confer.Transport.Engine;

/// <summary>
/// One plain TCP client connection served by an engine worker: the worker reads it with <c>recv</c> when epoll says it is
/// readable, splits the bytes into frames as the protocol's <see cref="IStreamFramer"/> says (TURN: STUN and ChannelData,
/// RFC 8489 §6.2.2) and hands each to the packet handler on the spot. A socket registered for the same client (TURN: its
/// allocation's relay socket) sits on the same worker, so what peers send is framed and appended to this connection's
/// output on that thread, and leaves in one <c>send</c> at the end of the worker's wake-up (many messages per system
/// call, no thread hop in either direction).
/// </summary>
/// <remarks>
/// Sends from other threads (timers, a TURN TCP relay's accept) write at once under the same lock. Output that the kernel does
/// not take waits, up to <see cref="MaxQueued"/> bytes, for the socket to become writable (epoll's EPOLLOUT); beyond that
/// a message is dropped, as a UDP client would lose it, and nobody waits on a slow client. Only the worker closes the
/// connection: others shut the socket down and the worker sees the end of the stream. With a connection guard
/// (<see cref="Streams.GuardedConnection"/>), what the protocol above says of the client (<see cref="IStreamSession"/>) and
/// every incomplete frame are reported to it, and it closes the connection the same way, by shutting the socket down.
/// </remarks>
internal sealed partial class EngineConnection : IStreamClientSink, IEngineSink, IStreamSession
{
    /// <summary>Bytes waiting for a slow client at most: past this a message is dropped.</summary>
    internal const int MaxQueued = 256 * 1024;

    private const int InitialBuffer = 16 * 1024;

    /// <summary>An output buffer grown past this for a burst is let go once it is empty again.</summary>
    private const int KeptBuffer = 64 * 1024;

    /// <summary><c>recv</c> calls per wake-up: a client that keeps its socket full cannot starve the worker's others.</summary>
    private const int ReadBudget = 16;

    private readonly EpollEngine _engine;
    private readonly IPacketHandler _handler;
    private readonly IStreamFramer _framer;
    private readonly ILogger _logger;
    private readonly SocketAddress _address;
    private readonly int _fd;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Streams.GuardedConnection? _guarded;
    private byte[]? _partial;      // an incomplete frame left by the last read (worker thread only)
    private int _partialLength;
    private byte[] _out = [];
    private int _outStart, _outEnd;
    private bool _dirty;           // in the worker's list of connections to flush at the end of its wake-up
    private bool _waitingWritable; // EPOLLOUT armed: the kernel's buffer is full
    private bool _broken;          // a send failed: the connection is gone, the worker closes it when it reads
    private bool _closed;

    public EngineConnection(EpollEngine engine, Socket socket, IPacketHandler handler, IStreamFramer framer, ILogger logger, Streams.GuardedConnection? guarded = null)
    {
        _guarded = guarded;
        _engine = engine;
        Socket = socket;
        _handler = handler;
        _framer = framer;
        ScratchLength = 2 * framer.MaxFrameLength;
        _logger = logger;
        var remote = (IPEndPoint)socket.RemoteEndPoint!;
        Tuple = new FiveTuple(TransportAddress.FromEndPoint(remote), TransportAddress.FromEndPoint((IPEndPoint)socket.LocalEndPoint!), ClientTransport.Tcp);
        _address = remote.Serialize();
        // Held until the worker closes the connection, so the fd number cannot be reused while it is in use here.
        bool added = false;
        socket.SafeHandle.DangerousAddRef(ref added);
        _fd = (int)socket.SafeHandle.DangerousGetHandle();
    }

    public Socket Socket { get; }

    public FiveTuple Tuple { get; }

    public ClientTransport Transport => ClientTransport.Tcp;

    public IStreamTakeover? Upgraded { get; set; }

    public EpollEngine Engine => _engine;

    EpollEngine? IEngineSink.Engine => _engine;

    /// <summary>The engine worker serving the connection: a socket registered for its traffic goes there too.</summary>
    public int EngineWorker { get; set; } = -1;

    /// <summary>That worker's managed thread id.</summary>
    public int WorkerThread { get; set; } = -1;

    /// <summary>The engine's slot while registered; -1 after.</summary>
    public int Slot { get; set; } = -1;

    /// <summary>Ends when the connection is closed and its state released (or, after ConnectionBind, when the data connection ends).</summary>
    public Task Completion => _done.Task;

    public int Fd => _fd;

    public void MarkAuthenticated() => _guarded?.MarkAuthenticated();

    public void MarkIdle() => _guarded?.MarkIdle();

    public bool Send(ReadOnlySpan<byte> bytes, SocketAddress destination)
    {
        lock (_gate)
        {
            if (_closed || _broken) return false;
            int queued = _outEnd - _outStart;
            if (queued + bytes.Length > MaxQueued) return false;
            MakeRoom(bytes.Length);
            bytes.CopyTo(_out.AsSpan(_outEnd));
            _outEnd += bytes.Length;
            if (_waitingWritable) return true; // leaves when epoll says the socket is writable
            if (Environment.CurrentManagedThreadId == WorkerThread)
            {
                if (!_dirty)
                {
                    _dirty = true;
                    _engine.FlushLater(this);
                }
                return true;
            }
            WriteLocked();
            return true;
        }
    }

    /// <summary>Aborts the connection from any thread: the worker sees the end of the stream and closes it.</summary>
    public void Abort()
    {
        try
        {
            Socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
    }

    /// <summary>
    /// On the worker: what epoll reported for the connection. <paramref name="scratch"/> is the worker's read buffer
    /// (at least <see cref="ScratchLength"/> bytes): a connection keeps bytes of its own only for a frame that is not complete yet.
    /// </summary>
    internal void OnReady(uint events, byte[] scratch)
    {
        if (_closed) return;
        if ((events & Libc.EpollOut) != 0)
        {
            lock (_gate)
            {
                if (!_closed) WriteLocked();
            }
        }
        if ((events & (Libc.EpollIn | Libc.EpollErr | Libc.EpollHup)) != 0) Read(scratch);
    }

    /// <summary>On the worker, at the end of a wake-up: what this round's handlers and relays appended leaves now.</summary>
    internal void Flush()
    {
        lock (_gate)
        {
            _dirty = false;
            if (!_closed && !_waitingWritable) WriteLocked();
        }
    }

    /// <summary>Room for a partial frame (less than the largest) and at least one more whole frame after it.</summary>
    internal int ScratchLength { get; }

    private unsafe void Read(byte[] scratch)
    {
        // What a previous read left of an incomplete frame goes in front.
        int filled = 0;
        bool completedOne = false;
        if (_partial is { } partial)
        {
            partial.AsSpan(0, _partialLength).CopyTo(scratch);
            filled = _partialLength;
            ReleasePartial();
        }
        for (int round = 0; round < ReadBudget; round++)
        {
            int space = scratch.Length - filled; // more than the largest frame: what is left over is less than one frame
            nint n;
            fixed (byte* buffer = scratch) n = Libc.recv(_fd, buffer + filled, (nuint)space, 0);
            if (n > 0)
            {
                filled += (int)n;
                int used = Process(scratch, filled, out bool ok);
                if (!ok)
                {
                    Log.NotFramed(_logger, Tuple, StreamClassifier.Describe(scratch.AsSpan(used, filled - used)));
                    Close();
                    return;
                }
                if (_closed) return; // became a data connection
                completedOne |= used > 0;
                scratch.AsSpan(used, filled - used).CopyTo(scratch);
                filled -= used;
                if (n < space) break; // the kernel had no more
                continue;
            }
            if (n == 0)
            {
                Close();
                return;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EIntr) continue;
            if (errno != Libc.EAgain)
            {
                Close();
                return;
            }
            break;
        }
        _guarded?.FrameProgress(incomplete: filled > 0, completedOne);
        if (filled > 0)
        {
            _partial = ArrayPool<byte>.Shared.Rent(filled);
            scratch.AsSpan(0, filled).CopyTo(_partial);
            _partialLength = filled;
        }
    }

    /// <summary>Hands every complete frame in <paramref name="buffer"/> to the handler; returns the bytes used. Not ok: not the framer's protocol.</summary>
    private int Process(byte[] buffer, int filled, out bool ok)
    {
        int start = 0;
        ok = true;
        int header = _framer.HeaderLength;
        while (filled - start >= header)
        {
            var available = buffer.AsSpan(start, filled - start);
            if (!_framer.TryGetFrameLength(available, out int length, out bool needMore))
            {
                ok = needMore;
                break;
            }
            try
            {
                _handler.OnPacket(available[..length], new PacketContext(Tuple, _address, this));
            }
            catch (Exception e)
            {
                Log.FrameFailed(_logger, Tuple, e);
            }
            start += length;
            if (Upgraded is { } peer)
            {
                BecomeDataConnection(peer, buffer.AsSpan(start, filled - start).ToArray());
                return filled;
            }
        }
        return start;
    }

    private void ReleasePartial()
    {
        if (_partial is null) return;
        ArrayPool<byte>.Shared.Return(_partial);
        _partial = null;
        _partialLength = 0;
    }

    /// <summary>Under the lock: room for <paramref name="length"/> more output bytes (the caller checked <see cref="MaxQueued"/>).</summary>
    private void MakeRoom(int length)
    {
        int queued = _outEnd - _outStart;
        if (_out.Length - _outEnd >= length) return;
        var target = _out;
        if (queued + length > _out.Length) target = new byte[Math.Min(MaxQueued, Math.Max(queued + length, Math.Max(InitialBuffer, _out.Length * 2)))];
        _out.AsSpan(_outStart, queued).CopyTo(target);
        _out = target;
        _outStart = 0;
        _outEnd = queued;
    }

    /// <summary>Under the lock: sends what is queued until done or the kernel's buffer is full (then waits for EPOLLOUT).</summary>
    private unsafe void WriteLocked()
    {
        while (_outStart < _outEnd)
        {
            nint n;
            fixed (byte* buffer = _out) n = Libc.send(_fd, buffer + _outStart, (nuint)(_outEnd - _outStart), Libc.MsgNoSignal);
            if (n > 0)
            {
                _outStart += (int)n;
                continue;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EIntr) continue;
            if (errno == Libc.EAgain)
            {
                if (!_waitingWritable && _engine.WaitWritable(this, true)) _waitingWritable = true;
                return;
            }
            _broken = true; // EPIPE, ECONNRESET: the worker's next read finds the connection gone
            _outStart = _outEnd = 0;
            return;
        }
        _outStart = _outEnd = 0;
        if (_out.Length > KeptBuffer) _out = [];
        if (_waitingWritable)
        {
            _waitingWritable = false;
            _engine.WaitWritable(this, false);
        }
    }

    /// <summary>On the worker: the connection has ended (the handler hears of it: TURN lets its allocation go, RFC 8656 §3.1).</summary>
    private void Close()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            _out = [];
            _outStart = _outEnd = 0;
        }
        _engine.RemoveConnection(this);
        ReleasePartial();
        try
        {
            _handler.OnConnectionClosed(Tuple);
        }
        catch (Exception e)
        {
            Log.FrameFailed(_logger, Tuple, e);
        }
        Socket.SafeHandle.DangerousRelease();
        Socket.Dispose();
        _guarded?.Dispose();
        Log.Disconnected(_logger, Tuple);
        _done.TrySetResult();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 211, Level = LogLevel.Debug, Message = "Client disconnected: {Tuple}")]
        public static partial void Disconnected(ILogger logger, FiveTuple tuple);

        [LoggerMessage(EventId = 212, Level = LogLevel.Debug, Message = "Closing {Tuple}: the stream is not of the protocol served here (it looks like {Kind})")]
        public static partial void NotFramed(ILogger logger, FiveTuple tuple, StreamKind kind);

        [LoggerMessage(EventId = 213, Level = LogLevel.Debug, Message = "A frame from {Tuple} could not be handled")]
        public static partial void FrameFailed(ILogger logger, FiveTuple tuple, Exception exception);
    }
}
