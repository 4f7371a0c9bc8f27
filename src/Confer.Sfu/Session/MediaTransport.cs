using System.Runtime.InteropServices;
using Confer.Sfu.Dtls;
using Confer.Sfu.Ice;
using Confer.Sfu.Srtp;
using Confer.Transport.Classification;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Confer.Sfu.Session;

/// <summary>
/// One peer connection's transport on the SFU: an ICE-lite session (RFC 8445 §2.5) in the shared
/// <see cref="IceSessionTable"/>, the DTLS server (a=setup:passive, RFC 5763 §5) and the two SRTP contexts its keys give
/// (RFC 5764 §4.2: we unprotect with the client's write key and protect with the server's).
/// <code>
///   client ──STUN──▶ IceCheckHandler ──▶ IceSessionTable ──OnSelected/OnConsentLost──▶ SfuTransports ─▶ this
///   client ──DTLS──▶ IMediaPacketSink (SfuTransports) ─▶ this ─▶ DtlsTransport ─(IDtlsSender)─▶ IcePath.Send
///   client ──SRTP──▶ IMediaPacketSink ─▶ this: unprotect in place ─▶ IRtpPacketReceiver
///   forwarding ─▶ IRtpPacketSender.SendRtp: protect in place ─▶ selected IcePath.Send ──▶ client
/// </code>
/// Thread-safety: packets arrive on receive threads, sends come from any publisher's receive thread; the inbound and
/// outbound SRTP contexts are each guarded by their own lock. Nothing here allocates per packet (the AES-CM cipher
/// below still does, 64 B per Aes.EncryptEcb call on Linux; AES-GCM allocates nothing).
/// </summary>
internal sealed partial class MediaTransport : IRtpPacketSender, IDtlsSender, IDisposable
{
    private readonly IceSessionTable _table;
    private readonly DtlsTransport _dtls;
    private readonly TimeProvider _time;
    private readonly TimeSpan _restartGrace;
    private volatile IceSession _session;   // the current ICE session: replaced by an ICE restart (RFC 8445 §9)
    private volatile IceSession? _previous; // the one before a restart, valid until _previousExpiry fires
    private ITimer? _previousExpiry;
    private readonly ILogger _logger;
    private readonly Action<MediaTransport>? _onDisposed;
    private readonly object _gate = new();      // state, fingerprint, handshake start
    private readonly object _inboundGate = new();
    private readonly object _outboundGate = new();
    private SrtpSession? _inbound;
    private SrtpSession? _outbound;
    private DtlsFingerprint? _remoteFingerprint;
    private IcePath? _lastDtlsPath;
    private volatile MediaTransportState _state;
    private volatile bool _keysReady;
    private volatile bool _failed;
    private volatile bool _consentLost;
    private bool _sawDtls;
    private bool _handshakeStarted;
    private bool _disposed;
    private long _packetsIn, _bytesIn, _packetsOut, _bytesOut, _decryptFailures, _dropsIn, _dropsOut;

    /// <summary>Wraps a session just made in <paramref name="table"/>; sets <see cref="IceSession.Tag"/> to this.</summary>
    public MediaTransport(IceSessionTable table, IceSession session, DtlsCertificate certificate, DtlsFingerprint? remoteFingerprint,
        DtlsSettings? dtlsSettings = null, TimeProvider? timeProvider = null, ILogger? logger = null, Action<MediaTransport>? onDisposed = null,
        TimeSpan? iceRestartGrace = null)
    {
        _table = table;
        _session = session;
        _time = timeProvider ?? TimeProvider.System;
        _restartGrace = iceRestartGrace ?? TimeSpan.FromSeconds(10);
        _logger = logger ?? NullLogger.Instance;
        _onDisposed = onDisposed;
        _remoteFingerprint = remoteFingerprint;
        _dtls = new DtlsTransport(certificate, this, dtlsSettings, timeProvider);
        Fingerprint = certificate.Fingerprint.ToString();
        session.Tag = this;
    }

    /// <summary>Our ICE ufrag for the SDP answer (a=ice-ufrag, RFC 8839 §5.4).</summary>
    public string IceUfrag => _session.LocalUfrag;

    /// <summary>Our ICE password for the SDP answer (a=ice-pwd).</summary>
    public string IcePwd => _session.Local.Password;

    /// <summary>The server certificate's fingerprint in SDP form (a=fingerprint, RFC 8122 §5): "sha-256 AB:CD:…".</summary>
    public string Fingerprint { get; }

    /// <summary>The current ICE session (a restart replaces it).</summary>
    public IceSession IceSession => _session;

    /// <summary>The session before the last ICE restart while its grace lasts, else null.</summary>
    public IceSession? PreviousIceSession => _previous;

    /// <summary>Where media goes: the current session's nominated path, or during a restart's grace the previous one's.</summary>
    private IcePath? SelectedPath => _session.Selected ?? _previous?.Selected;

    public MediaTransportState State => _state;

    /// <summary>The SRTP profile DTLS negotiated; null until connected.</summary>
    public SrtpProfile? Profile { get; private set; }

    /// <summary>Who gets decrypted RTP and RTCP (the forwarding graph). Null drops them (counted).</summary>
    public IRtpPacketReceiver? Receiver { get; set; }

    /// <summary>Raised on every state change, outside the locks, on whichever thread made it.</summary>
    public event Action<MediaTransport, MediaTransportState>? StateChanged;

    public long PacketsIn => Interlocked.Read(ref _packetsIn);
    public long BytesIn => Interlocked.Read(ref _bytesIn);
    public long PacketsOut => Interlocked.Read(ref _packetsOut);
    public long BytesOut => Interlocked.Read(ref _bytesOut);

    /// <summary>SRTP/SRTCP packets that failed authentication, replay or parsing (RFC 3711 §3.3, step 5).</summary>
    public long DecryptFailures => Interlocked.Read(ref _decryptFailures);

    /// <summary>Inbound packets dropped before decryption: not connected yet, or nobody to receive them.</summary>
    public long DroppedIn => Interlocked.Read(ref _dropsIn);

    /// <summary>Outbound packets dropped: not connected, no selected path, protect refused, or the socket refused.</summary>
    public long DroppedOut => Interlocked.Read(ref _dropsOut);

    /// <summary>True while the DTLS thread runs (tests check disposal ends it).</summary>
    internal bool IsDtlsThreadAlive => _dtls.IsThreadAlive;

    /// <summary>
    /// The client's certificate fingerprint from its SDP (RFC 8122 §5). May come before or after the first DTLS datagram; the
    /// handshake starts once both are there. Ignored once the handshake started (a new fingerprint needs a new transport).
    /// </summary>
    public void SetRemoteFingerprint(DtlsFingerprint fingerprint)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        lock (_gate)
        {
            if (_handshakeStarted || _disposed) return;
            _remoteFingerprint = fingerprint;
        }
        TryStartHandshake();
    }

    /// <summary>The client's ufrag from its SDP (RFC 8839 §5.4); until set, checks are accepted whatever their second half.</summary>
    public void SetRemoteUfrag(string ufrag) => _session.RemoteUfrag = ufrag;

    /// <summary>A datagram from a checked path of this session (RFC 7983 §7 sorted it). Never throws.</summary>
    internal void OnPacket(IcePath path, PacketKind kind, ReadOnlySpan<byte> packet)
    {
        switch (kind)
        {
            case PacketKind.Dtls:
                OnDtls(path, packet);
                break;
            case PacketKind.Rtp:
            case PacketKind.Rtcp:
                OnSrtp(kind == PacketKind.Rtcp, packet);
                break;
            default:
                Interlocked.Increment(ref _dropsIn);
                break;
        }
    }

    private void OnDtls(IcePath path, ReadOnlySpan<byte> packet)
    {
        Volatile.Write(ref _lastDtlsPath, path);
        _dtls.OnDatagram(packet); // copies what it keeps
        bool first;
        lock (_gate)
        {
            if (_disposed) return;
            first = !_sawDtls;
            _sawDtls = true;
        }
        if (first)
        {
            UpdateState();
            TryStartHandshake();
        }
    }

    private void OnSrtp(bool rtcp, ReadOnlySpan<byte> packet)
    {
        var receiver = Receiver;
        if (!_keysReady || receiver is null)
        {
            Interlocked.Increment(ref _dropsIn);
            return;
        }
        // The packet is a view over the receive buffer, which the transport reuses for the next datagram and nobody else
        // reads after this call: decrypting it where it lies saves a copy per packet.
        var buffer = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(packet), packet.Length);
        int length;
        bool ok;
        lock (_inboundGate)
        {
            var inbound = _inbound;
            if (inbound is null)
            {
                Interlocked.Increment(ref _dropsIn);
                return;
            }
            ok = rtcp
                ? inbound.TryUnprotectRtcp(buffer, buffer.Length, out length, out _)
                : inbound.TryUnprotectRtp(buffer, buffer.Length, out length, out _);
        }
        if (!ok)
        {
            Interlocked.Increment(ref _decryptFailures);
            return;
        }
        Interlocked.Increment(ref _packetsIn);
        Interlocked.Add(ref _bytesIn, packet.Length);
        try
        {
            if (rtcp) receiver.OnRtcp(buffer[..length]);
            else receiver.OnRtp(buffer[..length]);
        }
        catch (Exception e)
        {
            Log.ReceiverThrew(_logger, _session.LocalUfrag, e); // the contract says it must not; a bug must not end the receive loop
        }
    }

    public bool CanSend => _state == MediaTransportState.Connected && SelectedPath is not null;

    public bool SendRtp(Span<byte> buffer, int length) => Send(buffer, length, rtcp: false);

    public bool SendRtcp(Span<byte> buffer, int length) => Send(buffer, length, rtcp: true);

    private bool Send(Span<byte> buffer, int length, bool rtcp)
    {
        var path = SelectedPath;
        if (_state != MediaTransportState.Connected || path is null || (uint)length > (uint)buffer.Length)
        {
            Interlocked.Increment(ref _dropsOut);
            return false;
        }
        int protectedLength;
        bool ok;
        lock (_outboundGate)
        {
            var outbound = _outbound;
            if (outbound is null)
            {
                Interlocked.Increment(ref _dropsOut);
                return false;
            }
            ok = rtcp
                ? outbound.TryProtectRtcp(buffer, length, out protectedLength, out _)
                : outbound.TryProtectRtp(buffer, length, out protectedLength, out _);
        }
        if (!ok || !path.Send(buffer[..protectedLength]))
        {
            Interlocked.Increment(ref _dropsOut);
            return false;
        }
        Interlocked.Increment(ref _packetsOut);
        Interlocked.Add(ref _bytesOut, protectedLength);
        return true;
    }

    /// <summary>IDtlsSender: the DTLS thread's flights go to the nominated path, or before nomination to where DTLS came from.</summary>
    void IDtlsSender.Send(ReadOnlySpan<byte> datagram)
    {
        var path = SelectedPath ?? Volatile.Read(ref _lastDtlsPath);
        path?.Send(datagram);
    }

    /// <summary>The client nominated a path (RFC 8445 §7.3.1.5): media may flow again once keys are ready.</summary>
    internal void OnSelected(IceSession session)
    {
        if (!ReferenceEquals(session, _session) && !ReferenceEquals(session, _previous)) return;
        _consentLost = false;
        UpdateState();
    }

    /// <summary>
    /// A nominated path lost consent (RFC 7675 §5.2): stop sending until a new nomination. The previous session's loss
    /// during a restart only matters when the current one has no path yet.
    /// </summary>
    internal void OnConsentLost(IceSession session)
    {
        if (!ReferenceEquals(session, _session) && !ReferenceEquals(session, _previous)) return;
        if (SelectedPath is not null) return; // the other session still carries media
        _consentLost = true;
        UpdateState();
    }

    private void TryStartHandshake()
    {
        DtlsFingerprint fingerprint;
        lock (_gate)
        {
            if (_disposed || _handshakeStarted || !_sawDtls || _remoteFingerprint is null) return;
            _handshakeStarted = true;
            fingerprint = _remoteFingerprint;
        }
        Task<DtlsSrtpKeys> handshake;
        try
        {
            handshake = _dtls.HandshakeAsync(fingerprint);
        }
        catch (ObjectDisposedException)
        {
            return; // disposed meanwhile
        }
        handshake.ContinueWith(static (t, s) => ((MediaTransport)s!).OnHandshakeDone(t), this,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void OnHandshakeDone(Task<DtlsSrtpKeys> handshake)
    {
        if (!handshake.IsCompletedSuccessfully)
        {
            if (Volatile.Read(ref _disposed)) return; // disposal ends a handshake: not a failure worth a line
            Log.HandshakeFailed(_logger, _session.LocalUfrag, handshake.Exception?.InnerException);
            _failed = true;
            UpdateState();
            return;
        }
        var keys = handshake.Result;
        var profile = (SrtpProfile)keys.ProfileId;
        if (!keys.TryCreateMasterKeys(out var clientKey, out var serverKey))
        {
            _failed = true;
            UpdateState();
            return;
        }
        lock (_gate)
        {
            if (_disposed) return;
            _inbound = new SrtpSession(clientKey, SrtpDirection.Unprotect);
            _outbound = new SrtpSession(serverKey, SrtpDirection.Protect);
            Profile = profile;
            _keysReady = true;
        }
        UpdateState();
    }

    /// <summary>
    /// Recomputes the state from the facts (handshake failed, keys ready, a path nominated, consent lost) under the lock,
    /// so events racing on several threads still leave the right state; raises <see cref="StateChanged"/> on a change.
    /// </summary>
    private void UpdateState()
    {
        MediaTransportState next;
        lock (_gate)
        {
            if (_disposed) return; // Dispose reports Closed itself
            bool selected = SelectedPath is not null;
            next = _failed ? MediaTransportState.Failed
                : _consentLost ? MediaTransportState.Disconnected
                : _keysReady ? (selected ? MediaTransportState.Connected : MediaTransportState.Disconnected)
                : selected || _sawDtls ? MediaTransportState.Checking
                : MediaTransportState.New;
            if (next == _state) return;
            _state = next;
        }
        try
        {
            StateChanged?.Invoke(this, next);
        }
        catch (Exception e)
        {
            Log.HandlerThrew(_logger, _session.LocalUfrag, e);
        }
    }

    /// <summary>Removes the ICE session, ends DTLS, drops the SRTP keys. Idempotent.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _keysReady = false;
        }
        IceSession? before;
        lock (_gate)
        {
            before = _previous;
            _previous = null;
            _previousExpiry?.Dispose();
            _previousExpiry = null;
        }
        if (before is not null) Forget(before);
        Forget(_session);
        _dtls.Dispose();
        lock (_inboundGate)
        {
            _inbound?.Dispose();
            _inbound = null;
        }
        lock (_outboundGate)
        {
            _outbound?.Dispose();
            _outbound = null;
        }
        MediaTransportState previous;
        lock (_gate)
        {
            previous = _state;
            _state = MediaTransportState.Closed;
        }
        if (previous != MediaTransportState.Closed)
        {
            try
            {
                StateChanged?.Invoke(this, MediaTransportState.Closed);
            }
            catch (Exception e)
            {
                Log.HandlerThrew(_logger, _session.LocalUfrag, e);
            }
        }
        _onDisposed?.Invoke(this);
    }

    public override string ToString() => $"media transport {_session.LocalUfrag} ({_state})";

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "DTLS handshake failed for ICE session {Ufrag}")]
        public static partial void HandshakeFailed(ILogger logger, string ufrag, Exception? exception);

        [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "An RTP receiver threw for ICE session {Ufrag}")]
        public static partial void ReceiverThrew(ILogger logger, string ufrag, Exception exception);

        [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "A state-change handler threw for ICE session {Ufrag}")]
        public static partial void HandlerThrew(ILogger logger, string ufrag, Exception exception);

        [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "ICE restart: session {Old} hands over to {New} (DTLS and SRTP kept)")]
        public static partial void IceRestarted(ILogger logger, string old, string @new);
    }
}
