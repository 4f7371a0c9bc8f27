namespace Confer.Sfu.Bandwidth;

/// <summary>Settings of a <see cref="DynacastGate"/>.</summary>
internal sealed class DynacastOptions
{
    /// <summary>How long the wanted layer must stay lower before the publisher is told to stop sending the higher ones.</summary>
    public TimeSpan PauseDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The gate never pauses below this layer (-1: it may pause everything). 0 keeps the lowest layer flowing without
    /// viewers, so a newcomer's first frame never waits for the publisher's encoder to start again.
    /// </summary>
    public int MinimumLayer { get; set; } = -1;
}

/// <summary>
/// Dynacast for one publisher track (LiveKit's name for it): the highest spatial layer any subscriber wants decides
/// which simulcast layers the publisher keeps sending — layers 0..wanted stay active, the ones above are paused.
/// Raising is immediate (a subscriber waits for video); lowering, and pausing everything when nobody wants video,
/// happens only after the lower demand has lasted <see cref="DynacastOptions.PauseDelay"/>, so a tile resize or a
/// subscriber reconnecting does not make the publisher's encoder flap. Poll <see cref="Update"/> after each change
/// of demand and at <see cref="NextChangeAt"/>. Not thread-safe: the track's owner calls it.
/// </summary>
internal sealed class DynacastGate
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _delay;
    private readonly int _minimum;
    private readonly Dictionary<string, int> _wanted = new(StringComparer.Ordinal);
    private DateTimeOffset? _lowerSince;
    private int _pendingMax = -1; // the highest demand seen while a lowering waits: what the gate lowers to

    /// <param name="spatialLayers">How many spatial layers the publisher offers (1 to 3 for simulcast).</param>
    public DynacastGate(TimeProvider time, int spatialLayers, DynacastOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (spatialLayers < 1 || spatialLayers > 8) throw new ArgumentOutOfRangeException(nameof(spatialLayers), "A track offers 1 to 8 spatial layers.");
        options ??= new DynacastOptions();
        if (options.PauseDelay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), "DynacastOptions.PauseDelay must not be negative.");
        _time = time;
        _delay = options.PauseDelay;
        _minimum = Math.Clamp(options.MinimumLayer, -1, spatialLayers - 1);
        SpatialLayers = spatialLayers;
        ActiveUpTo = spatialLayers - 1; // a new publisher sends everything until demand says otherwise
        _lowerSince = time.GetUtcNow();
        _pendingMax = -1;
    }

    public int SpatialLayers { get; }

    /// <summary>The highest spatial layer the publisher is told to send; -1 when the track is paused entirely.</summary>
    public int ActiveUpTo { get; private set; }

    /// <summary>The highest spatial layer any subscriber wants right now; -1 when none wants video.</summary>
    public int MaxWanted { get; private set; } = -1;

    /// <summary>When a pending lowering takes effect, or null when none is pending.</summary>
    public DateTimeOffset? NextChangeAt => _lowerSince + _delay;

    public bool IsActive(int spatial) => spatial >= 0 && spatial <= ActiveUpTo;

    /// <summary>Sets the highest spatial layer <paramref name="subscriberId"/> wants (-1 for none), e.g. from the allocator's desired layer.</summary>
    public void SetWanted(string subscriberId, int maxSpatial)
    {
        _wanted[subscriberId] = Math.Clamp(maxSpatial, -1, SpatialLayers - 1);
        Recompute();
    }

    public void Remove(string subscriberId)
    {
        if (_wanted.Remove(subscriberId)) Recompute();
    }

    /// <summary>Makes <paramref name="wanted"/> (subscriber, highest spatial layer) the whole demand: anyone absent is removed.</summary>
    public void Replace(IReadOnlyList<(string Subscriber, int MaxSpatial)> wanted)
    {
        _wanted.Clear();
        foreach (var (subscriber, maxSpatial) in wanted) _wanted[subscriber] = Math.Clamp(maxSpatial, -1, SpatialLayers - 1);
        Recompute();
    }

    /// <summary>Applies the demand: returns true when <see cref="ActiveUpTo"/> changed and the publisher must be told.</summary>
    public bool Update()
    {
        int target = Math.Max(MaxWanted, _minimum);
        if (target > ActiveUpTo)
        {
            ActiveUpTo = target;
            _lowerSince = null;
            return true;
        }
        if (target == ActiveUpTo)
        {
            _lowerSince = null;
            return false;
        }
        var now = _time.GetUtcNow();
        if (_lowerSince is null)
        {
            _lowerSince = now;
            _pendingMax = target;
        }
        _pendingMax = Math.Max(_pendingMax, target);
        if (now - _lowerSince.Value < _delay) return false;
        // Lower to the highest demand seen while waiting; if demand fell further meanwhile, wait again from now.
        bool changed = _pendingMax != ActiveUpTo;
        ActiveUpTo = _pendingMax;
        _lowerSince = target < ActiveUpTo ? now : null;
        _pendingMax = target;
        return changed;
    }

    private void Recompute()
    {
        int max = -1;
        foreach (int wanted in _wanted.Values) max = Math.Max(max, wanted);
        MaxWanted = max;
        if (_lowerSince is not null) _pendingMax = Math.Max(_pendingMax, max);
    }
}
