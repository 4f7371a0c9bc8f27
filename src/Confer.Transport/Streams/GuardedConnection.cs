namespace Confer.Transport.Streams;

/// <summary>
/// One client connection as the <see cref="StreamConnectionGuard"/> sees it: where it is in its life (handshake,
/// waiting for authentication, authenticated, idle, taken over), since when, and whether a frame it began is still
/// incomplete. The transport serving the connection reports to it; the guard's sweep reads it and, past a deadline,
/// closes the connection through what <see cref="Bind"/> gave it.
/// </summary>
public sealed class GuardedConnection : IStreamSession, IDisposable
{
    private const int Pending = 0, Authenticated = 1, Idle = 2, Detached = 3;

    private readonly StreamConnectionGuard _guard;
    private readonly long _admitted;
    private Action? _close;
    private int _phase = Pending;
    private long _idleSince;
    private long _partialSince; // 0: no incomplete frame
    private bool _handshaking;
    private int _closing, _left;

    internal GuardedConnection(StreamConnectionGuard guard, StreamConnectionGuard.SourceKey source, bool tls, long now)
    {
        _guard = guard;
        Source = source;
        _handshaking = tls;
        _admitted = now;
    }

    internal StreamConnectionGuard.SourceKey Source { get; }

    /// <summary>The guard's place for it among connections not authenticated yet (under the guard's lock).</summary>
    internal LinkedListNode<GuardedConnection>? Waiting { get; set; }

    /// <summary>Why the guard closed the connection; null while it has not.</summary>
    public string? ClosedFor { get; private set; }

    /// <summary>How the guard closes the connection (an abort that makes the transport end it as if the client had).</summary>
    public void Bind(Action close)
    {
        Interlocked.Exchange(ref _close, close);
        if (Volatile.Read(ref _closing) != 0) Invoke(close); // closed (evicted) before it could be: now
    }

    /// <summary>The TLS handshake is done (the connection handler has it): the handshake timeout no longer applies.</summary>
    public void HandshakeDone() => Volatile.Write(ref _handshaking, false);

    public void MarkAuthenticated()
    {
        int was = Interlocked.CompareExchange(ref _phase, Authenticated, Pending);
        if (was == Pending) _guard.Authenticated(this);
        else if (was == Idle) Interlocked.CompareExchange(ref _phase, Authenticated, Idle);
    }

    public void MarkIdle()
    {
        if (Volatile.Read(ref _phase) != Authenticated) return;
        Volatile.Write(ref _idleSince, _guard.Now);
        Interlocked.CompareExchange(ref _phase, Idle, Authenticated);
    }

    /// <summary>The connection no longer carries frames (taken over: raw bytes, TURN's RFC 6062 data connection): no deadlines apply.</summary>
    public void Detach()
    {
        if (Interlocked.Exchange(ref _phase, Detached) == Pending) _guard.Authenticated(this);
        Volatile.Write(ref _partialSince, 0);
    }

    /// <summary>
    /// After a read, from the one thread reading the connection: whether an incomplete frame is left
    /// (<paramref name="incomplete"/>) and whether this read completed one (<paramref name="completedOne"/>). The stall
    /// clock runs from the start of the frame that is incomplete now.
    /// </summary>
    public void FrameProgress(bool incomplete, bool completedOne)
    {
        if (!incomplete)
        {
            if (_partialSince != 0) Volatile.Write(ref _partialSince, 0);
        }
        else if (completedOne || _partialSince == 0) Volatile.Write(ref _partialSince, _guard.Now);
    }

    /// <summary>The first deadline the connection is past at <paramref name="now"/>, as the reason it is closed; null if none.</summary>
    internal string? Expired(long now)
    {
        if (Volatile.Read(ref _closing) != 0) return null;
        int phase = Volatile.Read(ref _phase);
        if (phase == Detached) return null;
        if (Volatile.Read(ref _handshaking) && now - _admitted >= _guard.HandshakeTimeout) return "handshake_timeout";
        if (phase == Pending && now - _admitted >= _guard.AuthTimeout) return "auth_timeout";
        long partial = Volatile.Read(ref _partialSince);
        if (partial != 0 && now - partial >= _guard.StallTimeout) return "stall";
        if (phase == Idle && now - Volatile.Read(ref _idleSince) >= _guard.IdleTimeout) return "idle";
        return null;
    }

    /// <summary>Closes the connection for <paramref name="reason"/> (counted once); the transport then ends it and disposes this.</summary>
    public void Close(string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0) return;
        ClosedFor = reason;
        _guard.Closed(this, reason);
        if (Volatile.Read(ref _close) is { } close) Invoke(close);
    }

    private static void Invoke(Action close)
    {
        try
        {
            close();
        }
        catch (ObjectDisposedException)
        {
            // Already gone.
        }
    }

    /// <summary>The connection has ended: its place is free.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _left, 1) != 0) return;
        _guard.Leave(this);
    }
}
