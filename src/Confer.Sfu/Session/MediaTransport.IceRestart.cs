using Confer.Sfu.Ice;

namespace Confer.Sfu.Session;

/// <summary>ICE restart of a media transport (RFC 8445 §9): new ICE credentials, the same DTLS association and SRTP contexts.</summary>
internal sealed partial class MediaTransport
{
    /// <summary>
    /// ICE restart (RFC 8445 §9): a new ICE session with fresh credentials for this same transport, so DTLS and SRTP carry
    /// on (RFC 8842 §4: an ICE restart does not renegotiate DTLS). The old session keeps answering checks and carrying
    /// media for the restart grace, then leaves the table. <paramref name="remoteUfrag"/> is the client's new ufrag when
    /// known (a publisher offer), null when it comes with the answer (subscriber). False when the table is full or the
    /// transport is closed.
    /// </summary>
    public bool RestartIce(string? remoteUfrag)
    {
        if (!_table.TryCreate(remoteUfrag, out var fresh)) return false;
        fresh.Tag = this;
        IceSession? expired;
        IceSession old;
        lock (_gate)
        {
            if (_disposed)
            {
                fresh.Tag = null;
                _table.Remove(fresh);
                return false;
            }
            expired = _previous; // a restart during a restart: the oldest goes now
            _previousExpiry?.Dispose();
            old = _session;
            _previous = _session;
            _session = fresh;
            _previousExpiry = _time.CreateTimer(static s => ((MediaTransport)s!).ExpirePrevious(), this, _restartGrace, Timeout.InfiniteTimeSpan);
        }
        if (expired is not null) Forget(expired);
        Log.IceRestarted(_logger, old.LocalUfrag, fresh.LocalUfrag);
        return true;
    }

    private void ExpirePrevious()
    {
        IceSession? previous;
        lock (_gate)
        {
            previous = _previous;
            _previous = null;
            _previousExpiry?.Dispose();
            _previousExpiry = null;
        }
        if (previous is null) return;
        Forget(previous);
        UpdateState(); // media may have gone with it
    }

    private void Forget(IceSession session)
    {
        _table.Remove(session);
        session.Tag = null;
    }
}
