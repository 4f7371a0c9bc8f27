using Confer.Sfu.Dtls;
using Confer.Sfu.Srtp;

namespace Confer.Sfu.Session;

/// <summary>
/// The DTLS side of a media transport: the handshake starts once the client's fingerprint (from its SDP) and its first
/// DTLS datagram are both there (RFC 5763 §5), and its exported keys make the two SRTP contexts (RFC 5764 §4.2).
/// </summary>
internal sealed partial class MediaTransport
{
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
}
