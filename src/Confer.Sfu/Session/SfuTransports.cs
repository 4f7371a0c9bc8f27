using System.Collections.Concurrent;
using Confer.Sfu.Dtls;
using Confer.Sfu.Ice;
using Confer.Transport.Classification;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Confer.Sfu.Session;

/// <summary>Limits of <see cref="SfuTransports"/>; checked by <see cref="Validate"/>.</summary>
internal sealed class SfuTransportOptions
{
    /// <summary>
    /// Media transports held at once (one per peer connection: a participant usually has two, publish and subscribe). Each
    /// costs an ICE session, a DTLS queue (at most <see cref="DtlsSettings.MaxQueuedBytes"/>) and, while handshaking or
    /// lingering, a DTLS thread with a 256 KiB stack. Creation beyond it fails; the ICE table's own
    /// <see cref="IceOptions.MaxSessions"/> bounds it too.
    /// </summary>
    public int MaxTransports { get; init; } = 4096;

    /// <summary>
    /// After an ICE restart (RFC 8445 §9), how long the old credentials keep answering checks and carrying media while the
    /// client moves to the new ones.
    /// </summary>
    public TimeSpan IceRestartGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// After the nominated path lost consent (RFC 7675), how long a transport waits for a new nomination (a reconnected
    /// ICE-TCP client, an ICE restart) before it closes itself and its participant's media is released.
    /// </summary>
    public TimeSpan ConsentLapse { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a new transport waits for its client to nominate a path (RFC 8445 §8.1.1) before it closes itself and its
    /// participant's media is released: an offer never answered, an encoder that posted its offer and never connected.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Per-transport DTLS limits and timers.</summary>
    public DtlsSettings Dtls { get; init; } = new();

    public void Validate()
    {
        if (MaxTransports is < 1 or > 1_000_000) throw new ArgumentException($"SFU MaxTransports must be between 1 and 1000000; it is {MaxTransports}.");
        if (IceRestartGrace <= TimeSpan.Zero || IceRestartGrace > TimeSpan.FromMinutes(5))
            throw new ArgumentException($"SFU IceRestartGrace must be positive and at most 5 minutes; it is {IceRestartGrace}.");
        if (ConsentLapse <= TimeSpan.Zero || ConsentLapse > TimeSpan.FromMinutes(5))
            throw new ArgumentException($"SFU ConsentLapse must be positive and at most 5 minutes; it is {ConsentLapse}.");
        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout > TimeSpan.FromMinutes(5))
            throw new ArgumentException($"SFU ConnectTimeout must be positive and at most 5 minutes; it is {ConnectTimeout}.");
        Dtls.Validate();
    }
}

/// <summary>
/// The SFU's media transports and the seam the media port calls: DTLS, RTP and RTCP from a checked 5-tuple
/// (<see cref="IMediaPacketSink"/>) and ICE nominations and consent loss (<see cref="IIceSessionListener"/>) go to the
/// <see cref="MediaTransport"/> hung on the session's <see cref="IceSession.Tag"/>. Owns the one DTLS certificate,
/// generated at construction (RFC 8827 §6.5: a self-signed identity the SDP fingerprint vouches for).
/// Bounded by <see cref="SfuTransportOptions.MaxTransports"/>; thread-safe.
/// <para>
/// The ICE table takes its listener when it is made, and this needs the table to make sessions: the table comes lazily.
/// </para>
/// </summary>
internal sealed class SfuTransports : IMediaPacketSink, IIceSessionListener, IDisposable
{
    private readonly Lazy<IceSessionTable> _table;
    private readonly SfuTransportOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ConcurrentDictionary<MediaTransport, byte> _transports = new(ReferenceEqualityComparer.Instance);
    private readonly Action<MediaTransport> _onDisposed;
    private int _count;
    private long _unrouted;
    private volatile bool _disposed;

    public SfuTransports(Func<IceSessionTable> table, SfuTransportOptions? options = null, TimeProvider? time = null,
        ILoggerFactory? loggers = null, DtlsCertificate? certificate = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        _options = options ?? new SfuTransportOptions();
        _options.Validate();
        _table = new Lazy<IceSessionTable>(table, LazyThreadSafetyMode.ExecutionAndPublication);
        _time = time ?? TimeProvider.System;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        Certificate = certificate ?? DtlsCertificate.Generate(_time);
        _onDisposed = Forget;
    }

    /// <summary>The server's DTLS identity, shared by every transport.</summary>
    public DtlsCertificate Certificate { get; }

    /// <summary>Transports held now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Media datagrams for a session with no transport (a plain ICE session, or one just disposed).</summary>
    public long Unrouted => Interlocked.Read(ref _unrouted);

    internal IceSessionTable Table => _table.Value;

    /// <summary>
    /// A new transport with fresh ICE-lite credentials. <paramref name="remoteFingerprint"/> and
    /// <paramref name="remoteUfrag"/> come from the client's SDP (either may follow later). False when
    /// <see cref="SfuTransportOptions.MaxTransports"/> or the ICE table's limit is reached, or after disposal.
    /// </summary>
    public bool TryCreate(DtlsFingerprint? remoteFingerprint, string? remoteUfrag, out MediaTransport transport)
    {
        transport = null!;
        if (_disposed) return false;
        if (Interlocked.Increment(ref _count) > _options.MaxTransports)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }
        var table = _table.Value;
        if (!table.TryCreate(remoteUfrag, out var session))
        {
            Interlocked.Decrement(ref _count);
            return false;
        }
        transport = new MediaTransport(table, session, Certificate, remoteFingerprint, _options.Dtls, _time,
            _loggers.CreateLogger<MediaTransport>(), _onDisposed, _options.IceRestartGrace, _options.ConsentLapse, _options.ConnectTimeout);
        _transports[transport] = 0;
        if (_disposed) // raced with Dispose: do not leave it behind
        {
            transport.Dispose();
            transport = null!;
            return false;
        }
        return true;
    }

    private void Forget(MediaTransport transport)
    {
        if (_transports.TryRemove(transport, out _)) Interlocked.Decrement(ref _count);
    }

    /// <summary>IMediaPacketSink: one datagram from a checked path, routed by the session's tag. Never throws.</summary>
    public void OnPacket(IcePath path, PacketKind kind, ReadOnlySpan<byte> packet, in PacketContext context)
    {
        if (path.Session.Tag is MediaTransport transport) transport.OnPacket(path, kind, packet);
        else Interlocked.Increment(ref _unrouted);
    }

    public void OnSelected(IceSession session, IcePath path) => (session.Tag as MediaTransport)?.OnSelected(session);

    public void OnConsentLost(IceSession session) => (session.Tag as MediaTransport)?.OnConsentLost(session);

    /// <summary>The counters of every transport held now, summed (for metrics; walks the set, not for the packet path).</summary>
    public SfuTransportTotals Totals()
    {
        var totals = new SfuTransportTotals();
        foreach (var (t, _) in _transports)
        {
            totals = totals with
            {
                Transports = totals.Transports + 1,
                Connected = totals.Connected + (t.State == MediaTransportState.Connected ? 1 : 0),
                PacketsIn = totals.PacketsIn + t.PacketsIn,
                BytesIn = totals.BytesIn + t.BytesIn,
                PacketsOut = totals.PacketsOut + t.PacketsOut,
                BytesOut = totals.BytesOut + t.BytesOut,
                DecryptFailures = totals.DecryptFailures + t.DecryptFailures,
                DroppedIn = totals.DroppedIn + t.DroppedIn,
                DroppedOut = totals.DroppedOut + t.DroppedOut,
            };
        }
        return totals;
    }

    /// <summary>Disposes every transport (their ICE sessions leave the table).</summary>
    public void Dispose()
    {
        _disposed = true;
        foreach (var (transport, _) in _transports) transport.Dispose();
    }
}

/// <summary>A sum of <see cref="MediaTransport"/> counters at one moment (see <see cref="SfuTransports.Totals"/>).</summary>
internal readonly record struct SfuTransportTotals(int Transports, int Connected, long PacketsIn, long BytesIn, long PacketsOut,
    long BytesOut, long DecryptFailures, long DroppedIn, long DroppedOut);
