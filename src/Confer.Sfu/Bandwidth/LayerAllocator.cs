namespace Confer.Sfu.Bandwidth;

/// <summary>Settings of the <see cref="LayerAllocator"/>.</summary>
internal sealed class LayerAllocatorOptions
{
    /// <summary>
    /// When even the lowest layer of the highest-ranked video track exceeds the estimate, forward that lowest layer
    /// anyway (the one exception to "never above the estimate"), so the most important video does not go dark.
    /// </summary>
    public bool KeepTopTrackMinimum { get; set; } = true;
}

/// <summary>
/// Shares one subscriber's bandwidth estimate among its down-tracks (LiveKit's stream allocator and mediasoup's
/// consumer priorities are the models). Audio is always on and is paid first. Video tracks are ranked — explicit
/// priority, then screen share over camera, then the active speaker, then the larger tile — and in that order each
/// first gets its lowest layer if it fits (else it is paused), then each in turn is raised as far toward the layer
/// its tile needs as the remaining budget allows. The total never exceeds the estimate except by the top track's
/// minimum layer (<see cref="LayerAllocatorOptions.KeepTopTrackMinimum"/>). Each decision carries its reason.
/// </summary>
internal sealed class LayerAllocator(LayerAllocatorOptions? options = null)
{
    private readonly LayerAllocatorOptions _options = options ?? new LayerAllocatorOptions();

    /// <summary>
    /// Allocates <paramref name="estimate"/> (bits per second) over <paramref name="tracks"/>, writing one decision per
    /// track, in the same order, into <paramref name="decisions"/>. Returns the total bitrate allocated.
    /// </summary>
    public long Allocate(long estimate, ReadOnlySpan<DownTrackDemand> tracks, Span<LayerDecision> decisions)
    {
        if (decisions.Length < tracks.Length) throw new ArgumentException("One decision slot is needed per track.", nameof(decisions));
        long budget = Math.Max(estimate, 0);
        long total = 0;

        int[] order = RankVideo(tracks);

        // Audio first, always on.
        for (int i = 0; i < tracks.Length; i++)
        {
            var track = tracks[i];
            if (track.Kind != TrackKind.Audio) continue;
            long bitrate = track.Layers.Length > 0 ? Math.Max(track.Layers[0].Bitrate, 0) : 0;
            decisions[i] = new LayerDecision(track.TrackId, new VideoLayer(0, 0), new VideoLayer(0, 0), bitrate, AllocationReason.AudioAlwaysOn);
            budget -= bitrate;
            total += bitrate;
        }

        // Pass 1: lowest layer for each video track in rank order, or pause.
        bool anyVideo = false;
        foreach (int i in order)
        {
            var track = tracks[i];
            var desired = DesiredLayer(track);
            if (track.VisibleHeight <= 0)
            {
                decisions[i] = new LayerDecision(track.TrackId, VideoLayer.Paused, VideoLayer.Paused, 0, AllocationReason.PausedNotVisible);
                continue;
            }
            if (desired.IsPaused || !TryLowest(track, desired, out var lowest))
            {
                decisions[i] = new LayerDecision(track.TrackId, VideoLayer.Paused, desired, 0, AllocationReason.PausedNoLayers);
                continue;
            }
            if (lowest.Bitrate <= budget || (!anyVideo && _options.KeepTopTrackMinimum))
            {
                var reason = lowest.Bitrate <= budget ? AllocationReason.Optimal : AllocationReason.MinimumOverBudget;
                decisions[i] = new LayerDecision(track.TrackId, lowest.Layer, desired, lowest.Bitrate, reason);
                budget -= lowest.Bitrate;
                total += lowest.Bitrate;
                anyVideo = true;
            }
            else
            {
                decisions[i] = new LayerDecision(track.TrackId, VideoLayer.Paused, desired, 0, AllocationReason.PausedNoBudget);
            }
        }

        // Pass 2: raise each allocated video track, in rank order, as far as the remaining budget allows.
        foreach (int i in order)
        {
            var current = decisions[i];
            if (current.Target.IsPaused || current.Reason == AllocationReason.MinimumOverBudget) continue;
            var track = tracks[i];
            long available = budget + current.Bitrate;
            if (!TryBest(track, current.Desired, long.MaxValue, out var best)) continue;
            if (!TryBest(track, current.Desired, available, out var chosen)) chosen = new LayerOffer(current.Target, 0, current.Bitrate);
            var reason = chosen.Layer == best.Layer ? AllocationReason.Optimal : AllocationReason.BudgetLimited;
            decisions[i] = current with { Target = chosen.Layer, Bitrate = chosen.Bitrate, Reason = reason };
            budget = available - chosen.Bitrate;
            total += chosen.Bitrate - current.Bitrate;
        }
        return total;
    }

    /// <summary>The smallest spatial layer at least as tall (and, when widths are known, as wide) as the tile, else the tallest; with the highest temporal layer allowed.</summary>
    internal static VideoLayer DesiredLayer(DownTrackDemand track)
    {
        int bestSpatial = -1, bestHeight = int.MaxValue, tallestSpatial = -1, tallestHeight = -1;
        foreach (var offer in track.Layers)
        {
            if (offer.Bitrate <= 0 || offer.Layer.IsPaused) continue;
            if (offer.Height > tallestHeight || (offer.Height == tallestHeight && offer.Layer.Spatial > tallestSpatial))
            {
                tallestHeight = offer.Height;
                tallestSpatial = offer.Layer.Spatial;
            }
            bool coversTile = offer.Height >= track.VisibleHeight
                && (track.VisibleWidth <= 0 || offer.Width <= 0 || offer.Width >= track.VisibleWidth);
            if (coversTile && offer.Height < bestHeight)
            {
                bestHeight = offer.Height;
                bestSpatial = offer.Layer.Spatial;
            }
        }
        int spatial = bestSpatial >= 0 ? bestSpatial : tallestSpatial;
        if (spatial < 0) return VideoLayer.Paused;
        int temporal = -1;
        foreach (var offer in track.Layers)
        {
            if (offer.Bitrate > 0 && offer.Layer.Spatial == spatial && offer.Layer.Temporal <= track.MaxTemporal)
                temporal = Math.Max(temporal, offer.Layer.Temporal);
        }
        if (temporal < 0)
        {
            foreach (var offer in track.Layers)
            {
                if (offer.Bitrate > 0 && offer.Layer.Spatial == spatial && (temporal < 0 || offer.Layer.Temporal < temporal)) temporal = offer.Layer.Temporal;
            }
        }
        return new VideoLayer(spatial, temporal);
    }

    private static bool TryLowest(DownTrackDemand track, VideoLayer desired, out LayerOffer lowest)
    {
        lowest = default;
        bool found = false;
        foreach (var offer in track.Layers)
        {
            if (offer.Bitrate <= 0 || offer.Layer.IsPaused || offer.Layer.IsAbove(desired)) continue;
            if (!found || lowest.Layer.IsAbove(offer.Layer)) { lowest = offer; found = true; }
        }
        return found;
    }

    private static bool TryBest(DownTrackDemand track, VideoLayer desired, long maxBitrate, out LayerOffer best)
    {
        best = default;
        bool found = false;
        foreach (var offer in track.Layers)
        {
            if (offer.Bitrate <= 0 || offer.Bitrate > maxBitrate || offer.Layer.IsPaused || offer.Layer.IsAbove(desired)) continue;
            if (offer.Layer.Temporal > track.MaxTemporal && offer.Layer != desired) continue;
            if (!found || offer.Layer.IsAbove(best.Layer)) { best = offer; found = true; }
        }
        return found;
    }

    private static int[] RankVideo(ReadOnlySpan<DownTrackDemand> tracks)
    {
        int count = 0;
        foreach (var track in tracks) if (track.Kind == TrackKind.Video) count++;
        var order = new int[count];
        int n = 0;
        for (int i = 0; i < tracks.Length; i++) if (tracks[i].Kind == TrackKind.Video) order[n++] = i;
        var snapshot = tracks.ToArray();
        Array.Sort(order, (a, b) =>
        {
            DownTrackDemand x = snapshot[a], y = snapshot[b];
            int c = y.Priority.CompareTo(x.Priority);
            if (c == 0) c = (y.Source == TrackSource.ScreenShare).CompareTo(x.Source == TrackSource.ScreenShare);
            if (c == 0) c = y.ActiveSpeaker.CompareTo(x.ActiveSpeaker);
            if (c == 0) c = y.VisibleHeight.CompareTo(x.VisibleHeight);
            return c != 0 ? c : a.CompareTo(b);
        });
        return order;
    }
}
