using Confer.Sfu.Ice;

namespace Confer.Sfu.Session;

/// <summary>
/// Consent freshness of a media transport (RFC 7675). When the nominated path loses consent (no valid check for
/// <see cref="IceOptions.ConsentTimeout"/>, §5.1, or its ICE-TCP connection closed) nothing more is sent (§5.2) and the
/// transport waits <see cref="SfuTransportOptions.ConsentLapse"/> for a new nomination: a reconnected ICE-TCP client or
/// an ICE restart recovers in that time. After it, the transport closes itself (ICE session, DTLS, SRTP) and raises
/// <see cref="Lapsed"/>, so its owner releases the participant's media. A transport whose client never nominates a path
/// within <see cref="SfuTransportOptions.ConnectTimeout"/> of its creation (an encoder that posted its offer and never
/// connected, an offer never answered) never had consent, and lapses the same way.
/// </summary>
internal sealed partial class MediaTransport
{
    private ITimer? _lapseTimer; // under _gate: from creation until the first nomination, then while consent is lost
    private bool _everSelected;  // under _gate
    private volatile bool _lapsed;

    /// <summary>
    /// Raised once when the transport closed itself because consent stayed lost for the lapse delay (or never came): on a
    /// timer thread, no lock held, after <see cref="Dispose"/> finished.
    /// </summary>
    public event Action<MediaTransport>? Lapsed;

    /// <summary>True once the transport closed itself for lost consent.</summary>
    public bool HasLapsed => _lapsed;

    /// <summary>The client nominated a path (RFC 8445 §7.3.1.5): media may flow again once keys are ready.</summary>
    internal void OnSelected(IceSession session)
    {
        if (!ReferenceEquals(session, _session) && !ReferenceEquals(session, _previous)) return;
        lock (_gate)
        {
            _consentLost = false;
            _everSelected = true;
            StopLapseTimerLocked();
        }
        UpdateState();
    }

    /// <summary>From the constructor: the client has <paramref name="timeout"/> to nominate a path.</summary>
    private void StartConnectTimer(TimeSpan timeout)
    {
        lock (_gate) _lapseTimer = _time.CreateTimer(static s => ((MediaTransport)s!).LapseDue(), this, timeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// A nominated path lost consent (RFC 7675 §5.2): stop sending until a new nomination, and close when none comes in the
    /// lapse delay. The previous session's loss during a restart only matters when the current one has no path yet.
    /// </summary>
    internal void OnConsentLost(IceSession session)
    {
        if (!ReferenceEquals(session, _session) && !ReferenceEquals(session, _previous)) return;
        if (SelectedPath is not null) return; // the other session still carries media
        lock (_gate)
        {
            if (_disposed || SelectedPath is not null) return; // nominated again meanwhile
            _consentLost = true;
            _lapseTimer ??= _time.CreateTimer(static s => ((MediaTransport)s!).LapseDue(), this, _lapseDelay, Timeout.InfiniteTimeSpan);
        }
        UpdateState();
    }

    private void LapseDue()
    {
        bool connected;
        lock (_gate)
        {
            StopLapseTimerLocked();
            // Disposed, or nominated (again) meanwhile: nothing to do.
            if (_disposed || SelectedPath is not null || (_everSelected && !_consentLost)) return;
            _lapsed = true;
            connected = _everSelected;
        }
        if (connected) Log.ConsentLapsed(_logger, _session.LocalUfrag, (int)_lapseDelay.TotalMilliseconds);
        else Log.NeverConnected(_logger, _session.LocalUfrag);
        Dispose();
        try
        {
            Lapsed?.Invoke(this);
        }
        catch (Exception e)
        {
            Log.HandlerThrew(_logger, _session.LocalUfrag, e); // a timer callback that throws would end the process
        }
    }

    private void StopLapseTimerLocked()
    {
        _lapseTimer?.Dispose();
        _lapseTimer = null;
    }
}
