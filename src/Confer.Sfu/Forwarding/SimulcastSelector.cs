using Microsoft.Extensions.Logging;

namespace Confer.Sfu.Forwarding;

/// <summary>Why a subscriber's layer target changed: logged with every switch so a bad call can be explained.</summary>
internal enum LayerSwitchReason : byte
{
    /// <summary>The first layer chosen for this subscriber.</summary>
    Initial,
    /// <summary>The send-side bandwidth estimate rose or fell.</summary>
    Estimate,
    /// <summary>The subscriber's video element (tile) changed size.</summary>
    TileSize,
    /// <summary>The subscriber paused the track, or the estimate cannot carry even the lowest layer.</summary>
    Pause,
    /// <summary>The track resumed after a pause.</summary>
    Resume,
    /// <summary>Loss towards the subscriber.</summary>
    Loss,
    /// <summary>The publisher stopped sending the layer.</summary>
    LayerLost,
}

/// <summary>What to do with one packet of a simulcast track for one subscriber.</summary>
internal enum ForwardDecision : byte
{
    Drop,
    Forward,
    /// <summary>Forward: the first packet (a key frame) of the newly current spatial layer.</summary>
    Switch,
}

/// <summary>
/// One subscriber's simulcast layer choice (mediasoup's SimulcastConsumer, LiveKit's forwarder): a target
/// spatial layer (0..2, or -1 for paused) and temporal layer set from outside (bandwidth, tile size, pause),
/// and the current layers actually forwarded. A spatial switch — up or down — waits for a key frame of the
/// target layer, forwarding the old layer until then; <see cref="NeedsKeyframe"/> tells the caller to ask the
/// publisher for one. A temporal layer goes down at once and up at a layer-sync point (VP8 Y, VP9 U) or a key frame.
/// </summary>
internal sealed partial class SimulcastSelector
{
    public const int MaxSpatialLayers = 3;

    private readonly ILogger _logger;
    private LayerSwitchReason _reason = LayerSwitchReason.Initial;

    /// <param name="subscriberSsrc">Names the down-track in log lines.</param>
    public SimulcastSelector(ILogger logger, uint subscriberSsrc)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
        SubscriberSsrc = subscriberSsrc;
    }

    public uint SubscriberSsrc { get; }
    /// <summary>-1 when paused.</summary>
    public int TargetSpatial { get; private set; } = -1;
    public int TargetTemporal { get; private set; } = -1;
    /// <summary>-1 until the first key frame of a target layer.</summary>
    public int CurrentSpatial { get; private set; } = -1;
    public int CurrentTemporal { get; private set; } = -1;
    public bool IsPaused => TargetSpatial < 0;
    /// <summary>A spatial switch waits for a key frame of <see cref="TargetSpatial"/>.</summary>
    public bool NeedsKeyframe => TargetSpatial >= 0 && TargetSpatial != CurrentSpatial;
    public LayerSwitchReason LastReason => _reason;

    /// <summary>Sets the layers wanted; <paramref name="spatial"/> -1 pauses the track.</summary>
    public void SetTarget(int spatial, int temporal, LayerSwitchReason reason)
    {
        spatial = Math.Clamp(spatial, -1, MaxSpatialLayers - 1);
        temporal = spatial < 0 ? -1 : Math.Clamp(temporal, 0, 3);
        if (spatial == TargetSpatial && temporal == TargetTemporal)
            return;
        Log.TargetChanged(_logger, SubscriberSsrc, TargetSpatial, TargetTemporal, spatial, temporal, reason);
        TargetSpatial = spatial;
        TargetTemporal = temporal;
        _reason = reason;
        if (spatial < 0 && CurrentSpatial >= 0)
        {
            Log.Switched(_logger, SubscriberSsrc, CurrentSpatial, CurrentTemporal, -1, -1, reason);
            CurrentSpatial = CurrentTemporal = -1;
        }
        else if (spatial == CurrentSpatial && temporal < CurrentTemporal)
            CurrentTemporal = temporal; // dropping higher temporal layers never breaks decoding
    }

    /// <summary>Decides for one packet of spatial layer <paramref name="spatial"/>, temporal layer <paramref name="temporal"/>.</summary>
    /// <param name="keyframe">The packet starts a key frame.</param>
    /// <param name="layerSync">The packet's frame depends only on the base temporal layer (VP8 Y, VP9 U).</param>
    public ForwardDecision Decide(int spatial, int temporal, bool keyframe, bool layerSync)
    {
        if (TargetSpatial < 0)
            return ForwardDecision.Drop;
        if (spatial == TargetSpatial && spatial != CurrentSpatial)
        {
            if (!keyframe)
                return ForwardDecision.Drop;
            Log.Switched(_logger, SubscriberSsrc, CurrentSpatial, CurrentTemporal, spatial, TargetTemporal, _reason);
            CurrentSpatial = spatial;
            CurrentTemporal = TargetTemporal; // a key frame resets every temporal dependency
            return ForwardDecision.Switch;
        }
        if (spatial != CurrentSpatial)
            return ForwardDecision.Drop;
        if (TargetTemporal > CurrentTemporal && temporal > CurrentTemporal && temporal <= TargetTemporal && (layerSync || keyframe))
            CurrentTemporal = temporal;
        else if (TargetTemporal < CurrentTemporal && spatial == TargetSpatial)
            CurrentTemporal = TargetTemporal;
        return temporal <= CurrentTemporal ? ForwardDecision.Forward : ForwardDecision.Drop;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1201, Level = LogLevel.Debug,
            Message = "Down-track {Ssrc}: layer target {FromSpatial}/{FromTemporal} -> {ToSpatial}/{ToTemporal} ({Reason})")]
        public static partial void TargetChanged(ILogger logger, uint ssrc, int fromSpatial, int fromTemporal, int toSpatial, int toTemporal, LayerSwitchReason reason);

        [LoggerMessage(EventId = 1202, Level = LogLevel.Debug,
            Message = "Down-track {Ssrc}: forwarding layer {FromSpatial}/{FromTemporal} -> {ToSpatial}/{ToTemporal} ({Reason})")]
        public static partial void Switched(ILogger logger, uint ssrc, int fromSpatial, int fromTemporal, int toSpatial, int toTemporal, LayerSwitchReason reason);
    }
}
