using Confer.Sfu.Bandwidth;
using CsCheck;

namespace Confer.Sfu.Tests.Bandwidth;

public sealed class LayerAllocatorTests
{
    // A three-layer simulcast camera; temporal bitrates are cumulative (T1 includes T0).
    private static readonly LayerOffer[] Camera =
    [
        new(new(0, 0), 180, 60_000), new(new(0, 1), 180, 90_000), new(new(0, 2), 180, 120_000),
        new(new(1, 0), 360, 200_000), new(new(1, 1), 360, 300_000), new(new(1, 2), 360, 400_000),
        new(new(2, 0), 720, 700_000), new(new(2, 1), 720, 1_000_000), new(new(2, 2), 720, 1_300_000),
    ];

    private static readonly LayerOffer[] Screen =
    [
        new(new(0, 0), 540, 300_000), new(new(0, 1), 540, 500_000),
        new(new(1, 0), 1080, 1_000_000), new(new(1, 1), 1080, 1_500_000),
    ];

    private static DownTrackDemand Video(string id, int height, TrackSource source = TrackSource.Camera, bool speaker = false, int priority = 0, LayerOffer[]? layers = null) =>
        new() { TrackId = id, VisibleHeight = height, Source = source, ActiveSpeaker = speaker, Priority = priority, Layers = layers ?? (source == TrackSource.ScreenShare ? Screen : Camera) };

    private static DownTrackDemand Audio(string id, long bitrate = 40_000) =>
        new() { TrackId = id, Kind = TrackKind.Audio, Source = TrackSource.Microphone, Layers = [new(new(0, 0), 0, bitrate)] };

    private static LayerDecision[] Allocate(long estimate, out long total, LayerAllocatorOptions? options, params DownTrackDemand[] tracks)
    {
        var decisions = new LayerDecision[tracks.Length];
        total = new LayerAllocator(options).Allocate(estimate, tracks, decisions);
        return decisions;
    }

    [Theory]
    [InlineData(5_000_000, 720, "S2T2", nameof(AllocationReason.Optimal))]
    [InlineData(5_000_000, 360, "S1T2", nameof(AllocationReason.Optimal))]
    [InlineData(5_000_000, 200, "S1T2", nameof(AllocationReason.Optimal))]     // 180p is too small for a 200 px tile
    [InlineData(5_000_000, 2000, "S2T2", nameof(AllocationReason.Optimal))]    // nothing tall enough: the tallest
    [InlineData(1_000_000, 720, "S2T1", nameof(AllocationReason.BudgetLimited))]
    [InlineData(950_000, 720, "S2T0", nameof(AllocationReason.BudgetLimited))]
    [InlineData(650_000, 720, "S1T2", nameof(AllocationReason.BudgetLimited))]
    [InlineData(150_000, 720, "S0T2", nameof(AllocationReason.BudgetLimited))]
    [InlineData(60_000, 720, "S0T0", nameof(AllocationReason.BudgetLimited))]
    [InlineData(90_000, 180, "S0T1", nameof(AllocationReason.BudgetLimited))]
    [InlineData(59_999, 720, "S0T0", nameof(AllocationReason.MinimumOverBudget))]
    [InlineData(0, 720, "S0T0", nameof(AllocationReason.MinimumOverBudget))]
    [InlineData(5_000_000, 0, "paused", nameof(AllocationReason.PausedNotVisible))]
    public void Allocate_OneCamera_ChoosesLayerForBudgetAndTile(long estimate, int tile, string expected, string reason)
    {
        var decision = Allocate(estimate, out _, null, Video("cam", tile))[0];
        Assert.Equal(expected, decision.Target.ToString());
        Assert.Equal(reason, decision.Reason.ToString());
    }

    [Fact]
    public void Allocate_MinimumDoesNotFitAndNoKeep_Pauses()
    {
        var decision = Allocate(50_000, out long total, new LayerAllocatorOptions { KeepTopTrackMinimum = false }, Video("cam", 720))[0];
        Assert.True(decision.Target.IsPaused);
        Assert.Equal(AllocationReason.PausedNoBudget, decision.Reason);
        Assert.Equal(new VideoLayer(2, 2), decision.Desired);
        Assert.Equal(0, total);
    }

    [Fact]
    public void Allocate_AudioWithZeroEstimate_StaysOn()
    {
        var decisions = Allocate(0, out long total, null, Audio("mic"), Video("cam", 360), Video("cam2", 360));
        Assert.Equal(AllocationReason.AudioAlwaysOn, decisions[0].Reason);
        Assert.Equal(AllocationReason.MinimumOverBudget, decisions[1].Reason);
        Assert.Equal(AllocationReason.PausedNoBudget, decisions[2].Reason);
        Assert.Equal(100_000, total);
    }

    [Fact]
    public void Allocate_ScreenShareAndCamera_ScreenShareServedFirst()
    {
        // 1.6 Mb/s: the screen share (listed second) takes its 1080p T1 (1.5 Mb/s); the camera gets S0T1 with the rest.
        var decisions = Allocate(1_600_000, out long total, null, Video("cam", 720), Video("screen", 1080, TrackSource.ScreenShare));
        Assert.Equal("S1T1", decisions[1].Target.ToString());
        Assert.Equal(AllocationReason.Optimal, decisions[1].Reason);
        Assert.Equal("S0T1", decisions[0].Target.ToString());
        Assert.Equal(AllocationReason.BudgetLimited, decisions[0].Reason);
        Assert.True(total <= 1_600_000);
    }

    [Fact]
    public void Allocate_ActiveSpeakerOutranksOtherCamera()
    {
        var decisions = Allocate(1_000_000, out _, null, Video("a", 720), Video("b", 720, speaker: true));
        Assert.Equal("S2T0", decisions[1].Target.ToString()); // 1M - 60k for the other's minimum leaves 940k: S2T0 (700k)
        Assert.Equal("S1T1", decisions[0].Target.ToString()); // the other raises its 60k with the 240k left: S1T1 (300k)
        Assert.Equal(AllocationReason.BudgetLimited, decisions[0].Reason);
    }

    [Fact]
    public void Allocate_ExplicitPriority_OutranksScreenShare()
    {
        var decisions = Allocate(1_100_000, out _, null, Video("screen", 1080, TrackSource.ScreenShare), Video("cam", 720, priority: 1));
        Assert.Equal("S2T0", decisions[1].Target.ToString()); // 1.1M - the screen's 300k minimum leaves 800k: S2T0 (700k)
        Assert.Equal("S0T0", decisions[0].Target.ToString()); // the screen share keeps its minimum
        Assert.Equal(AllocationReason.BudgetLimited, decisions[0].Reason);
    }

    [Fact]
    public void Allocate_ManyCameras_LowerRankedArePausedWhenBudgetRunsOut()
    {
        // 40k audio + 3 × 60k minimums = 220k ≤ 250k; the fourth does not fit; the first raises to S0T1 with the 30k left.
        var decisions = Allocate(250_000, out long total, null, Audio("mic"), Video("c1", 180), Video("c2", 170), Video("c3", 160), Video("c4", 150));
        Assert.Equal(["S0T1", "S0T0", "S0T0", "paused"], decisions[1..].Select(d => d.Target.ToString()));
        Assert.Equal(AllocationReason.PausedNoBudget, decisions[4].Reason);
        Assert.True(total <= 250_000);
    }

    [Fact]
    public void Allocate_PublisherSendsNothing_PausedNoLayers()
    {
        var layers = Camera.Select(l => l with { Bitrate = 0 }).ToArray();
        var decision = Allocate(5_000_000, out _, null, Video("cam", 720, layers: layers))[0];
        Assert.Equal(AllocationReason.PausedNoLayers, decision.Reason);
    }

    [Fact]
    public void Allocate_TopLayerNotArriving_UsesBestArriving()
    {
        var layers = Camera.Where(l => l.Layer.Spatial < 2).ToArray();
        var decision = Allocate(5_000_000, out _, null, Video("cam", 720, layers: layers))[0];
        Assert.Equal("S1T2", decision.Target.ToString());
        Assert.Equal(AllocationReason.Optimal, decision.Reason);
    }

    [Theory]
    [InlineData(600, 300, "S1T2")]   // 640×360 covers it
    [InlineData(1000, 300, "S2T2")]  // a wide tile: 640 px is too narrow, 1280×720 is needed
    [InlineData(0, 300, "S1T2")]     // width not reported: heights only
    public void Allocate_TileWidth_PicksLayerCoveringBothSides(int width, int height, string expected)
    {
        int[] widths = [320, 640, 1280];
        var layers = Camera.Select(l => l with { Width = widths[l.Layer.Spatial] }).ToArray();
        var track = new DownTrackDemand { TrackId = "cam", VisibleWidth = width, VisibleHeight = height, Layers = layers };
        Assert.Equal(expected, Allocate(5_000_000, out _, null, track)[0].Target.ToString());
    }

    [Fact]
    public void Allocate_MaxTemporal_CapsFrameRate()
    {
        var track = new DownTrackDemand { TrackId = "cam", VisibleHeight = 360, MaxTemporal = 1, Layers = Camera };
        Assert.Equal("S1T1", Allocate(5_000_000, out _, null, track)[0].Target.ToString());
    }

    private static readonly Gen<DownTrackDemand> GenTrack =
        from kind in Gen.Int[0, 4]
        from height in Gen.Int[-10, 1200]
        from priority in Gen.Int[-2, 2]
        from speaker in Gen.Bool
        from layers in Gen.Select(Gen.Int[-1, 3], Gen.Int[-1, 3], Gen.Int[-100, 1200], Gen.Long[-1000, 3_000_000])
            .Select((s, t, h, b) => new LayerOffer(new VideoLayer(s, t), h, b)).Array[0, 8]
        select new DownTrackDemand
        {
            TrackId = "t",
            Kind = kind == 0 ? TrackKind.Audio : TrackKind.Video,
            Source = kind == 1 ? TrackSource.ScreenShare : TrackSource.Camera,
            VisibleHeight = height,
            Priority = priority,
            ActiveSpeaker = speaker,
            Layers = layers,
        };

    [Fact]
    public void Allocate_RandomTracks_NeverThrowsNorExceedsEstimateBeyondOneMinimum()
    {
        Gen.Select(Gen.Long[-1000, 5_000_000], GenTrack.Array[0, 8]).Sample((estimate, tracks) =>
        {
            var decisions = new LayerDecision[tracks.Length];
            long total = new LayerAllocator().Allocate(estimate, tracks, decisions);
            long audio = 0, overBudgetMinimum = 0, sum = 0;
            for (int i = 0; i < tracks.Length; i++)
            {
                sum += decisions[i].Bitrate;
                if (decisions[i].Reason == AllocationReason.AudioAlwaysOn) audio += decisions[i].Bitrate;
                if (decisions[i].Reason == AllocationReason.MinimumOverBudget) overBudgetMinimum += decisions[i].Bitrate;
                if (decisions[i].Target.IsPaused != (decisions[i].Bitrate == 0 && decisions[i].Reason >= AllocationReason.PausedNoBudget)) return false;
            }
            return sum == total && total <= Math.Max(estimate, 0) + audio + overBudgetMinimum
                && decisions.Count(d => d.Reason == AllocationReason.MinimumOverBudget) <= 1;
        });
    }
}
