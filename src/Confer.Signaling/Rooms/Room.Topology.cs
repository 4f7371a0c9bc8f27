using Confer.Signaling.Protocol;
using Microsoft.Extensions.Logging;

namespace Confer.Signaling.Rooms;

/// <summary>
/// The <c>auto</c> topology (docs/protocol.md, "Moving between mesh and SFU"): a room's media goes browser to browser
/// while it is small and through the SFU from <see cref="SignalingOptions.SfuFrom"/> people on. The room decides, under
/// its lock, and tells every protocol-2 client with a <c>topology</c> frame; the clients move their media themselves,
/// opening the new connections before they close the old ones, so video keeps flowing. The way back to mesh waits
/// <see cref="SignalingOptions.MeshReturnDelay"/>, so someone reloading their page does not flip the room twice, and the
/// SFU connections are released <see cref="MediaReleaseDelay"/> later, once the browsers have their mesh connections.
/// A protocol-1 client, which cannot use the SFU, keeps the room in mesh while it is there.
/// </summary>
internal sealed partial class Room
{
    /// <summary>How long a room that went back to mesh keeps its participants' SFU connections.</summary>
    internal static readonly TimeSpan MediaReleaseDelay = TimeSpan.FromSeconds(15);

    private bool _onSfu;
    private ITimer? _meshTimer;
    private ITimer? _releaseTimer;
    private bool _pinnedLogged;

    private bool Auto => Media is not null && _options.Topology == Topologies.Auto;

    /// <summary>
    /// Moves an <c>auto</c> room to the SFU when it holds enough people (a newcomer about to join counts, so it is told
    /// the new topology in its own <c>join</c>), or starts the way back to mesh when it no longer does.
    /// </summary>
    private void EvaluateTopologyLocked(int? newcomerProtocol = null)
    {
        if (!Auto || _closed) return;
        var people = _count + (newcomerProtocol is null ? 0 : 1);
        if (people >= _options.SfuFrom)
        {
            StopMeshTimerLocked();
            if (_onSfu) return;
            if (newcomerProtocol is < 2 || _bySid.Values.Any(p => p.Protocol < 2))
            {
                if (!_pinnedLogged) LogTopologyPinned(_log, Name.Value, people);
                _pinnedLogged = true;
                return;
            }
            SwitchTopologyLocked(toSfu: true, people);
        }
        else if (_onSfu && _meshTimer is null)
        {
            if (_options.MeshReturnDelay <= TimeSpan.Zero) SwitchTopologyLocked(toSfu: false, people);
            else _meshTimer = _time.CreateTimer(static s => ((Room)s!).MeshReturnDue(), this, _options.MeshReturnDelay, Timeout.InfiniteTimeSpan);
        }
    }

    private void MeshReturnDue()
    {
        lock (_gate)
        {
            StopMeshTimerLocked();
            if (!_closed && _onSfu && _count < _options.SfuFrom) SwitchTopologyLocked(toSfu: false, _count);
        }
    }

    private void SwitchTopologyLocked(bool toSfu, int people)
    {
        _onSfu = toSfu;
        _pinnedLogged = false;
        foreach (var p in _bySid.Values) p.UsesSfu = toSfu;
        var topology = toSfu ? Topologies.Sfu : Topologies.Mesh;
        BroadcastLocked(Frame.Serialize(new TopologyMessage(topology, people)), null);
        LogTopologyChanged(_log, Name.Value, topology, people);
        _releaseTimer?.Dispose();
        _releaseTimer = null;
        if (toSfu) SyncSubscriptionsLocked();
        else _releaseTimer = _time.CreateTimer(static s => ((Room)s!).ReleaseMediaDue(), this, MediaReleaseDelay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The room has stayed in mesh since it left the SFU: every participant's SFU connections go.</summary>
    private void ReleaseMediaDue()
    {
        lock (_gate)
        {
            _releaseTimer?.Dispose();
            _releaseTimer = null;
            if (_onSfu || Media is not { } media) return;
            foreach (var p in _bySid.Values)
            {
                media.Remove(Key(p));
                (p.SubscriberOfferSentAt, p.SubscriberOfferWanted) = (0, false); // the next SFU connection starts afresh
            }
        }
    }

    private void StopMeshTimerLocked()
    {
        _meshTimer?.Dispose();
        _meshTimer = null;
    }

    private void StopTopologyTimersLocked()
    {
        StopMeshTimerLocked();
        _releaseTimer?.Dispose();
        _releaseTimer = null;
    }

    [LoggerMessage(EventId = 130, Level = LogLevel.Information, Message = "Room {Room} moved its media to {Topology} with {Participants} participants")]
    private static partial void LogTopologyChanged(ILogger logger, string room, string topology, int participants);

    [LoggerMessage(EventId = 131, Level = LogLevel.Information, Message = "Room {Room} stays browser to browser with {Participants} participants: a protocol-1 client cannot use the SFU")]
    private static partial void LogTopologyPinned(ILogger logger, string room, int participants);
}
