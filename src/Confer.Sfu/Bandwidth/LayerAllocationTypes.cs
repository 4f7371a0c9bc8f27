namespace Confer.Sfu.Bandwidth;

internal enum TrackKind
{
    Audio,
    Video,
}

/// <summary>Where a track comes from; screen shares outrank cameras in allocation.</summary>
internal enum TrackSource
{
    Camera,
    ScreenShare,
    Microphone,
    ScreenShareAudio,
}

/// <summary>A simulcast/SVC layer: spatial (resolution) and temporal (frame rate) index. (-1, -1) is "paused".</summary>
internal readonly record struct VideoLayer(int Spatial, int Temporal)
{
    public static readonly VideoLayer Paused = new(-1, -1);

    public bool IsPaused => Spatial < 0;

    /// <summary>Orders layers by spatial index, then temporal.</summary>
    public bool IsAbove(VideoLayer other) => Spatial > other.Spatial || (Spatial == other.Spatial && Temporal > other.Temporal);

    public override string ToString() => IsPaused ? "paused" : $"S{Spatial}T{Temporal}";
}

/// <summary>One layer a publisher offers: its frame height (and width, when known) and the bitrate measured for it (0 = not arriving now).</summary>
internal readonly record struct LayerOffer(VideoLayer Layer, int Height, long Bitrate)
{
    /// <summary>Frame width in pixels; 0 when unknown (then only the height is compared with the tile).</summary>
    public int Width { get; init; }
}

/// <summary>What the allocator needs to know about one of a subscriber's down-tracks.</summary>
internal sealed class DownTrackDemand
{
    public required string TrackId { get; init; }

    public TrackKind Kind { get; init; } = TrackKind.Video;

    public TrackSource Source { get; init; } = TrackSource.Camera;

    /// <summary>The participant is the active speaker: ranks above other cameras.</summary>
    public bool ActiveSpeaker { get; init; }

    /// <summary>An explicit priority from the application; higher is served first, before the source and speaker ranks.</summary>
    public int Priority { get; init; }

    /// <summary>Height in pixels of the tile the application shows the track in; 0 when it is not visible.</summary>
    public int VisibleHeight { get; init; }

    /// <summary>Width in pixels of the tile; 0 to compare heights only. A wide tile (a screen share) may need a taller layer.</summary>
    public int VisibleWidth { get; init; }

    /// <summary>Highest temporal layer the subscriber asked for.</summary>
    public int MaxTemporal { get; init; } = int.MaxValue;

    /// <summary>The publisher's layers with their measured bitrates; for audio, one entry with the audio bitrate.</summary>
    public LayerOffer[] Layers { get; init; } = [];
}

/// <summary>Why a track got the layer it got; written with each decision so a switch can be explained from the log.</summary>
internal enum AllocationReason
{
    /// <summary>Audio is never paused for bandwidth.</summary>
    AudioAlwaysOn,
    /// <summary>The track got the layer its tile needs.</summary>
    Optimal,
    /// <summary>A lower layer than the tile needs: the estimate ran out.</summary>
    BudgetLimited,
    /// <summary>The lowest layer, although it exceeds what remained of the estimate (the top video track is kept alive).</summary>
    MinimumOverBudget,
    /// <summary>Paused: not even the lowest layer fits the estimate.</summary>
    PausedNoBudget,
    /// <summary>Paused: the application shows the track nowhere.</summary>
    PausedNotVisible,
    /// <summary>Paused: the publisher sends no layer at all.</summary>
    PausedNoLayers,
}

/// <summary>The allocator's choice for one track.</summary>
/// <param name="Target">The layer to forward, or <see cref="VideoLayer.Paused"/>.</param>
/// <param name="Desired">The layer the tile calls for, whatever the budget (what dynacast should keep published).</param>
/// <param name="Bitrate">The bitrate the choice is expected to use.</param>
internal readonly record struct LayerDecision(string TrackId, VideoLayer Target, VideoLayer Desired, long Bitrate, AllocationReason Reason)
{
    public override string ToString() => $"{TrackId}: {Target} (wants {Desired}) {Bitrate / 1000} kb/s, {Reason}";
}
