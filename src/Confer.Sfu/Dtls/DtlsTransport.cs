using Org.BouncyCastle.Tls;
using BcDtlsTransport = Org.BouncyCastle.Tls.DtlsTransport;

namespace Confer.Sfu.Dtls;

/// <summary>Where a <see cref="DtlsTransport"/> is in its life.</summary>
internal enum DtlsTransportState
{
    New,
    Handshaking,
    Connected,
    Closed,
    Failed,
}

/// <summary>
/// The DTLS 1.2 server side (a=setup:passive, RFC 5763 §5) of one participant's media transport.
/// The receive path hands it datagrams whose first byte is 20..63 (RFC 7983 §7) through
/// <see cref="OnDatagram"/>; they wait in a bounded <see cref="DatagramQueue"/> for a dedicated thread
/// that runs BouncyCastle's blocking DTLS server (which retransmits flights itself, RFC 6347 §4.2.4).
/// Datagrams go out through the caller's <see cref="IDtlsSender"/>. The whole handshake is bounded by
/// <see cref="DtlsSettings.HandshakeTimeout"/> on the injected <see cref="TimeProvider"/>.
/// <para>
/// After the handshake the thread keeps reading for <see cref="DtlsSettings.PostHandshakeLinger"/> after
/// the last datagram, to answer a retransmitted final flight and to notice close_notify; then it ends
/// and later records are counted and dropped. Application data (SCTP for data channels, RFC 8261) is
/// future work: records are read and discarded, never an error. Dispose ends the thread at once and
/// drains the queue; it sends no close_notify (the peer learns from signaling or ICE consent, RFC 7675).
/// </para>
/// </summary>
internal sealed class DtlsTransport : IDisposable
{
    private const int RecordHeaderLength = 13; // RFC 6347 §4.1: type, version, epoch, sequence_number, length
    private const int ServiceWaitMillis = 1000;

    private readonly DtlsCertificate _certificate;
    private readonly DtlsSettings _settings;
    private readonly TimeProvider _timeProvider;
    private readonly DatagramQueue _queue;
    private readonly QueuedDatagramTransport _datagrams;
    private readonly CancellationTokenSource _disposeCts = new();
    private readonly TaskCompletionSource<DtlsSrtpKeys> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();
    private Thread? _thread;
    private DtlsFingerprint? _expectedClientFingerprint;
    private CancellationToken _callerToken;
    private CancellationTokenSource? _deadlineCts;
    private CancellationTokenSource? _handshakeCts;
    private CancellationTokenRegistration _wakeRegistration;
    private volatile DtlsTransportState _state;
    private volatile bool _reading = true;
    private bool _disposed;
    private long _rejected;
    private long _ignored;
    private long _applicationRecords;

    public DtlsTransport(DtlsCertificate certificate, IDtlsSender sender, DtlsSettings? settings = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(sender);
        _certificate = certificate;
        _settings = settings ?? new DtlsSettings();
        _settings.Validate();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _queue = new DatagramQueue(_settings.MaxQueuedDatagrams, _settings.MaxQueuedBytes, _timeProvider);
        _datagrams = new QueuedDatagramTransport(_queue, sender, _settings.Mtu, _settings.MaxDatagramBytes);
    }

    public DtlsTransportState State => _state;

    /// <summary>The local fingerprint to put in the SDP answer.</summary>
    public DtlsFingerprint LocalFingerprint => _certificate.Fingerprint;

    /// <summary>Datagrams refused at the door: not DTLS by first byte (RFC 7983), shorter than a record header, or too long.</summary>
    public long RejectedDatagrams => Interlocked.Read(ref _rejected);

    /// <summary>Datagrams dropped because the queue was full or closed.</summary>
    public long DroppedDatagrams => _queue.Dropped;

    /// <summary>Datagrams that arrived when no DTLS thread reads any more (after the linger, a failure or disposal).</summary>
    public long IgnoredDatagrams => Interlocked.Read(ref _ignored);

    /// <summary>Application-data records read and discarded after the handshake (SCTP is future work).</summary>
    public long ApplicationRecordsDiscarded => Interlocked.Read(ref _applicationRecords);

    /// <summary>Datagrams waiting for the DTLS thread.</summary>
    internal int QueuedDatagrams => _queue.Count;

    /// <summary>True while the DTLS thread runs (tests check it ends).</summary>
    internal bool IsThreadAlive => _thread?.IsAlive ?? false;

    /// <summary>
    /// Takes one received datagram (copied; the span may be reused after the call). Never throws and
    /// allocates nothing for what it drops; what it keeps is copied into a pooled buffer.
    /// </summary>
    public void OnDatagram(ReadOnlySpan<byte> datagram)
    {
        // RFC 7983 §7: DTLS records start with a content type in 20..63.
        if (datagram.Length < RecordHeaderLength || datagram.Length > _settings.MaxDatagramBytes
            || datagram[0] < 20 || datagram[0] > 63)
        {
            Interlocked.Increment(ref _rejected);
            return;
        }
        if (!_reading)
        {
            Interlocked.Increment(ref _ignored);
            return;
        }
        _queue.TryEnqueue(datagram);
    }

    /// <summary>
    /// Runs the handshake once (on its own thread) and returns the SRTP keys. Fails with
    /// <see cref="DtlsHandshakeException"/> (see its <see cref="DtlsHandshakeException.Error"/>) and is
    /// cancelled by <paramref name="cancellationToken"/> before the handshake finishes.
    /// </summary>
    public Task<DtlsSrtpKeys> HandshakeAsync(DtlsFingerprint expectedClientFingerprint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(expectedClientFingerprint);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_thread is not null)
            {
                throw new InvalidOperationException("HandshakeAsync runs once per DtlsTransport.");
            }
            _expectedClientFingerprint = expectedClientFingerprint;
            _callerToken = cancellationToken;
            _deadlineCts = new CancellationTokenSource(_settings.HandshakeTimeout, _timeProvider);
            _handshakeCts = CancellationTokenSource.CreateLinkedTokenSource(_disposeCts.Token, _deadlineCts.Token, cancellationToken);
            _datagrams.Cancellation = _handshakeCts.Token;
            _wakeRegistration = _handshakeCts.Token.UnsafeRegister(static queue => ((DatagramQueue)queue!).Wake(), _queue);
            _state = DtlsTransportState.Handshaking;
            // BouncyCastle's handshake is shallow; a small stack keeps a thread per handshake cheap.
            _thread = new Thread(Run, maxStackSize: 256 * 1024) { IsBackground = true, Name = "confer-dtls" };
            _thread.Start();
        }
        return _result.Task;
    }

    /// <summary>Ends the DTLS thread (it wakes at once), drains the queue and fails a pending handshake with <see cref="DtlsHandshakeError.Disposed"/>.</summary>
    public void Dispose()
    {
        Thread? thread;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            thread = _thread;
        }
        _reading = false;
        _datagrams.BlockSends();
        _disposeCts.Cancel();
        _queue.Close();
        if (thread is null)
        {
            _state = DtlsTransportState.Closed;
            _result.TrySetException(new DtlsHandshakeException(DtlsHandshakeError.Disposed, "The DTLS transport was disposed before the handshake started."));
        }
        else if (thread != Thread.CurrentThread)
        {
            // The thread's wait is interrupted by the cancellation and the closed queue; this returns in milliseconds.
            thread.Join(TimeSpan.FromSeconds(2));
        }
    }

    private void Run()
    {
        SrtpDtlsServer? server = null;
        BcDtlsTransport dtls;
        try
        {
            server = new SrtpDtlsServer(_certificate, _expectedClientFingerprint!, _settings);
            dtls = new DtlsServerProtocol().Accept(server, _datagrams);
            var keys = server.Keys ?? throw new InvalidOperationException("The DTLS handshake finished without SRTP keys.");
            // From here on only disposal ends a wait: the deadline and the caller's token belong to the handshake.
            _datagrams.Cancellation = _disposeCts.Token;
            EndHandshakeTimers();
            _state = DtlsTransportState.Connected;
            _result.TrySetResult(keys);
        }
        catch (Exception e)
        {
            _reading = false;
            _state = DtlsTransportState.Failed;
            bool callerCancelled = _callerToken.IsCancellationRequested && !_disposeCts.IsCancellationRequested;
            var failure = Classify(e, server);
            EndHandshakeTimers();
            _queue.Close();
            if (callerCancelled)
            {
                _result.TrySetCanceled(_callerToken);
            }
            else
            {
                _result.TrySetException(failure);
            }
            return;
        }

        try
        {
            Serve(dtls, server);
        }
        finally
        {
            _reading = false;
            _queue.Close();
        }
    }

    /// <summary>After the handshake: answer retransmitted flights, notice close_notify, discard application data.</summary>
    private void Serve(BcDtlsTransport dtls, SrtpDtlsServer server)
    {
        var buffer = new byte[Math.Max(1, dtls.GetReceiveLimit())];
        while (!_disposeCts.IsCancellationRequested)
        {
            int received;
            try
            {
                received = dtls.Receive(buffer, 0, buffer.Length, ServiceWaitMillis);
            }
            catch (Exception)
            {
                break; // disposed, a fatal alert from the peer, or the transport closed under it
            }
            if (received >= 0)
            {
                // Application data: SCTP over DTLS (data channels, RFC 8261) is future work.
                Interlocked.Increment(ref _applicationRecords);
                continue;
            }
            if (server.PeerClosed || _datagrams.IsClosed)
            {
                break;
            }
            if (_timeProvider.GetElapsedTime(_queue.LastEnqueueTimestamp) >= _settings.PostHandshakeLinger)
            {
                return; // still Connected: the keys stand, DTLS has nothing more to do
            }
        }
        _state = server.PeerClosed || _datagrams.IsClosed || _disposeCts.IsCancellationRequested
            ? DtlsTransportState.Closed
            : _state;
    }

    private DtlsHandshakeException Classify(Exception e, SrtpDtlsServer? server)
    {
        if (_disposeCts.IsCancellationRequested)
        {
            return new DtlsHandshakeException(DtlsHandshakeError.Disposed, "The DTLS transport was disposed during the handshake.", null, e);
        }
        if (_deadlineCts?.IsCancellationRequested == true || e is TlsTimeoutException || e.InnerException is TlsTimeoutException)
        {
            return new DtlsHandshakeException(DtlsHandshakeError.Timeout, $"The DTLS handshake did not finish within {_settings.HandshakeTimeout.TotalSeconds:0.###} s.", null, e);
        }
        if (server?.Failure is { } failure)
        {
            string message = failure switch
            {
                DtlsHandshakeError.FingerprintMismatch => "The client's DTLS certificate does not match the fingerprint in its SDP.",
                DtlsHandshakeError.NoClientCertificate => "The client sent no DTLS certificate.",
                _ => "The client offered no SRTP protection profile the SFU supports.",
            };
            return new DtlsHandshakeException(failure, message, (e as TlsFatalAlert)?.AlertDescription, e);
        }
        if (server?.PeerFatalAlert is { } alert)
        {
            return new DtlsHandshakeException(DtlsHandshakeError.PeerAlert, $"The client ended the handshake with alert {AlertDescription.GetText(alert)}.", alert, e);
        }
        if (server?.PeerClosed == true)
        {
            return new DtlsHandshakeException(DtlsHandshakeError.PeerClosed, "The client closed the DTLS connection during the handshake.", null, e);
        }
        if (e is TlsFatalAlert { AlertDescription: AlertDescription.internal_error, InnerException: { } inner } && inner is not IOException)
        {
            return new DtlsHandshakeException(DtlsHandshakeError.Internal, "The DTLS handshake failed unexpectedly.", AlertDescription.internal_error, e);
        }
        if (e is TlsFatalAlert fatal)
        {
            return new DtlsHandshakeException(DtlsHandshakeError.ProtocolError, $"The DTLS handshake failed: {AlertDescription.GetText(fatal.AlertDescription)}.", fatal.AlertDescription, e);
        }
        if (e is IOException)
        {
            // BouncyCastle reports a message that ends early (a malformed extension, say) as EndOfStreamException.
            return new DtlsHandshakeException(DtlsHandshakeError.ProtocolError, "The DTLS handshake failed: a malformed message.", AlertDescription.decode_error, e);
        }
        return new DtlsHandshakeException(DtlsHandshakeError.Internal, "The DTLS handshake failed unexpectedly.", null, e);
    }

    private void EndHandshakeTimers()
    {
        lock (_gate)
        {
            _wakeRegistration.Dispose();
            _handshakeCts?.Dispose();
            _deadlineCts?.Dispose();
            _handshakeCts = null;
        }
    }
}
