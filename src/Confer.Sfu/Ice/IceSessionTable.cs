using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Confer.Sfu.Ice;

/// <summary>
/// The one owner of ICE-lite sessions (RFC 8445 §2.5): keyed by our ufrag, which a check's USERNAME starts with
/// (RFC 8445 §7.2.2), and by client 5-tuple once a check on it succeeded, so DTLS, RTP and RTCP find their session
/// without STUN. Consent (RFC 7675) is kept per path by checks and swept on <see cref="IceOptions.SweepInterval"/>.
/// Bounded: at most <see cref="IceOptions.MaxSessions"/> sessions, each with at most
/// <see cref="IceOptions.MaxPathsPerSession"/> paths. Thread-safe: checks arrive on several receive threads.
/// </summary>
public sealed partial class IceSessionTable : IDisposable
{
    private readonly IceOptions _options;
    private readonly TimeProvider _time;
    private readonly IIceSessionListener _listener;
    private readonly ConcurrentDictionary<string, IceSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IceSession>.AlternateLookup<ReadOnlySpan<char>> _byUfrag;
    private readonly ConcurrentDictionary<FiveTuple, IcePath> _paths = new();
    private readonly ITimer? _sweep;
    private readonly ILogger _logger;
    private int _count;

    public IceSessionTable(IceOptions options, TimeProvider time, IIceSessionListener? listener = null, ILogger<IceSessionTable>? logger = null, bool startSweep = true)
    {
        _logger = logger ?? (ILogger)NullLogger.Instance;
        if (options.Validate() is { } problem) throw new ArgumentException(problem, nameof(options));
        _options = options;
        _time = time;
        _listener = listener ?? NullIceSessionListener.Instance;
        _byUfrag = _sessions.GetAlternateLookup<ReadOnlySpan<char>>();
        if (startSweep) _sweep = time.CreateTimer(static s => ((IceSessionTable)s!).TimedSweep(), this, options.SweepInterval, options.SweepInterval);
    }

    public IceOptions Options => _options;

    /// <summary>Sessions held now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Client 5-tuples mapped to a session now.</summary>
    public int PathCount => _paths.Count;

    /// <summary>
    /// A new session with fresh random credentials (<see cref="IceCredentials.Generate"/>). False when
    /// <see cref="IceOptions.MaxSessions"/> are held.
    /// </summary>
    public bool TryCreate(string? remoteUfrag, out IceSession session)
    {
        for (int attempt = 0; attempt < 4; attempt++) // a ufrag collision is 1 in 2^48 per pair: retrying is for form's sake
        {
            var credentials = IceCredentials.Generate(_options.UfragLength, _options.PasswordLength);
            if (TryAdd(credentials, remoteUfrag, out session)) return true;
            if (Count >= _options.MaxSessions) return false;
        }
        session = null!;
        return false;
    }

    /// <summary>A session with given credentials. False when the ufrag is taken or the table is full; throws for invalid credentials.</summary>
    public bool TryAdd(IceCredentials local, string? remoteUfrag, out IceSession session)
    {
        if (!IceCredentials.IsValidUfrag(local.Ufrag) || !IceCredentials.IsValidPassword(local.Password))
            throw new ArgumentException("ICE credentials must be ice-chars: a ufrag of 4-256, a password of 22-256 (RFC 8445 §5.3).", nameof(local));
        session = null!;
        if (Interlocked.Increment(ref _count) > _options.MaxSessions)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }
        var created = new IceSession(local, remoteUfrag);
        if (!_sessions.TryAdd(local.Ufrag, created))
        {
            Interlocked.Decrement(ref _count);
            return false;
        }
        session = created;
        return true;
    }

    /// <summary>The session whose local ufrag this is. Allocation-free.</summary>
    public bool TryGet(ReadOnlySpan<char> localUfrag, out IceSession session) => _byUfrag.TryGetValue(localUfrag, out session!);

    /// <summary>The path of a client 5-tuple that passed a check. Allocation-free; what media lookups use.</summary>
    public bool TryGetPath(in FiveTuple tuple, out IcePath path) => _paths.TryGetValue(tuple, out path!);

    /// <summary>Removes a session and its paths (its owner is done with it: no listener call). False when already gone.</summary>
    public bool Remove(IceSession session)
    {
        if (!_sessions.TryRemove(new KeyValuePair<string, IceSession>(session.LocalUfrag, session))) return false;
        Interlocked.Decrement(ref _count);
        lock (session.Gate)
        {
            session.MarkRemoved();
            foreach (var path in session.Paths)
            {
                _paths.TryRemove(new KeyValuePair<FiveTuple, IcePath>(path.Tuple, path));
                path.NotifyRemoved();
            }
            session.Paths.Clear();
            session.SetSelected(null);
        }
        return true;
    }

    /// <summary>A client connection closed (ICE-TCP): its path goes, and if it was the nominated one, consent with it.</summary>
    public void RemovePath(in FiveTuple tuple)
    {
        if (!_paths.TryRemove(tuple, out var path)) return;
        bool lost = Detach(path);
        path.NotifyRemoved();
        if (lost) _listener.OnConsentLost(path.Session);
    }

    /// <summary>
    /// A check on <paramref name="context"/>'s 5-tuple authenticated for <paramref name="session"/> (RFC 8445 §7.3): the
    /// path is valid (created if new) and its consent refreshed (RFC 7675 §5.1); with <paramref name="nominate"/> it
    /// becomes the selected path. Null when the session was removed meanwhile. Allocation-free for a known path.
    /// </summary>
    internal IcePath? OnValidCheck(IceSession session, in PacketContext context, bool nominate)
    {
        long now = _time.GetTimestamp();
        if (!_paths.TryGetValue(context.Tuple, out var path) || !ReferenceEquals(path.Session, session))
        {
            path = AddPath(session, context, now);
            if (path is null) return null;
        }
        path.LastCheck = now;
        if (nominate && !ReferenceEquals(session.Selected, path)) Select(path);
        return path;
    }

    private IcePath? AddPath(IceSession session, in PacketContext context, long now)
    {
        var tuple = context.Tuple;
        IcePath? pendingNotify = null;
        // The 5-tuple belonged to another session (an ICE restart with new credentials, or a client reusing its port).
        if (_paths.TryGetValue(tuple, out var other) && !ReferenceEquals(other.Session, session)
            && _paths.TryRemove(new KeyValuePair<FiveTuple, IcePath>(tuple, other)))
        {
            if (Detach(other)) _listener.OnConsentLost(other.Session);
            pendingNotify = other;
        }
        IcePath? evicted = null;
        var path = AddPathLocked(session, context, now, ref evicted);
        // After the new path is in: an ICE-TCP connection that moved to another session keeps its 5-tuple's new path.
        pendingNotify?.NotifyRemoved();
        evicted?.NotifyRemoved();
        return path;
    }

    private IcePath? AddPathLocked(IceSession session, in PacketContext context, long now, ref IcePath? evicted)
    {
        var tuple = context.Tuple;
        lock (session.Gate)
        {
            if (session.IsRemoved) return null;
            foreach (var p in session.Paths) if (p.Tuple == tuple) return p; // another thread added it first
            if (session.Paths.Count >= _options.MaxPathsPerSession)
            {
                evicted = OldestUnselected(session);
                if (evicted is null) return null; // only the selected one, and the limit is 1: keep it
                session.Paths.Remove(evicted);
                _paths.TryRemove(new KeyValuePair<FiveTuple, IcePath>(evicted.Tuple, evicted));
            }
            var path = new IcePath(session, tuple, context.Sink, Copy(context.ClientAddress), now);
            session.Paths.Add(path);
            _paths[tuple] = path;
            return path;
        }
    }

    private static IcePath? OldestUnselected(IceSession session)
    {
        IcePath? oldest = null;
        var selected = session.Selected;
        foreach (var p in session.Paths)
        {
            if (ReferenceEquals(p, selected)) continue;
            if (oldest is null || p.LastCheck < oldest.LastCheck) oldest = p;
        }
        return oldest;
    }

    private void Select(IcePath path)
    {
        var session = path.Session;
        lock (session.Gate)
        {
            if (session.IsRemoved || !session.Paths.Contains(path) || ReferenceEquals(session.Selected, path)) return;
            session.SetSelected(path);
        }
        _listener.OnSelected(session, path);
    }

    /// <summary>Takes a path out of its session; true when it was the selected one (consent for the session is lost).</summary>
    private static bool Detach(IcePath path)
    {
        var session = path.Session;
        lock (session.Gate)
        {
            session.Paths.Remove(path);
            if (!ReferenceEquals(session.Selected, path)) return false;
            session.SetSelected(null);
            return !session.IsRemoved;
        }
    }

    /// <summary>
    /// Expires consent (RFC 7675 §5.1): every path without a valid check for <see cref="IceOptions.ConsentTimeout"/> is
    /// removed; a session whose selected path went is reported lost. Runs on the timer; public for tests and callers
    /// without one. Returns how many paths went.
    /// </summary>
    public int Sweep()
    {
        long now = _time.GetTimestamp();
        int removed = 0;
        foreach (var (_, session) in _sessions)
        {
            bool lost = false;
            lock (session.Gate)
            {
                var paths = session.Paths;
                for (int i = paths.Count - 1; i >= 0; i--)
                {
                    var path = paths[i];
                    if (_time.GetElapsedTime(path.LastCheck, now) < _options.ConsentTimeout) continue;
                    paths.RemoveAt(i);
                    _paths.TryRemove(new KeyValuePair<FiveTuple, IcePath>(path.Tuple, path));
                    path.NotifyRemoved();
                    removed++;
                    if (ReferenceEquals(session.Selected, path))
                    {
                        session.SetSelected(null);
                        lost = !session.IsRemoved;
                    }
                }
            }
            if (lost) _listener.OnConsentLost(session);
        }
        return removed;
    }

    // A timer callback that throws would end the process: a listener's bug is logged instead, and the next sweep runs.
    private void TimedSweep()
    {
        try
        {
            Sweep();
        }
        catch (Exception e)
        {
            Log.SweepFailed(_logger, e);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "ICE consent sweep failed (a session listener threw)")]
        public static partial void SweepFailed(ILogger logger, Exception exception);
    }

    private static SocketAddress Copy(SocketAddress address)
    {
        var copy = new SocketAddress(address.Family, address.Size);
        address.Buffer.Span[..address.Size].CopyTo(copy.Buffer.Span);
        return copy;
    }

    public void Dispose() => _sweep?.Dispose();
}
