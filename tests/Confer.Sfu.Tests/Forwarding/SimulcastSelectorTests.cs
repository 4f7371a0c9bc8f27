using Confer.Sfu.Forwarding;

namespace Confer.Sfu.Tests.Forwarding;

public sealed class SimulcastSelectorTests
{
    private readonly ListLogger _log = new();

    private SimulcastSelector Started(int spatial, int temporal)
    {
        var s = new SimulcastSelector(_log, 42);
        s.SetTarget(spatial, temporal, LayerSwitchReason.Initial);
        Assert.Equal(ForwardDecision.Switch, s.Decide(spatial, 0, keyframe: true, layerSync: false));
        return s;
    }

    [Fact]
    public void Decide_BeforeAnyTarget_Drops()
    {
        var s = new SimulcastSelector(_log, 1);
        Assert.True(s.IsPaused);
        Assert.Equal(ForwardDecision.Drop, s.Decide(0, 0, true, false));
    }

    [Fact]
    public void Decide_TargetSet_WaitsForKeyframeOfTargetLayer()
    {
        var s = new SimulcastSelector(_log, 1);
        s.SetTarget(1, 2, LayerSwitchReason.Initial);
        Assert.True(s.NeedsKeyframe);
        Assert.Equal(ForwardDecision.Drop, s.Decide(1, 0, keyframe: false, false));
        Assert.Equal(ForwardDecision.Drop, s.Decide(0, 0, keyframe: true, false)); // another layer's key frame
        Assert.Equal(ForwardDecision.Switch, s.Decide(1, 0, keyframe: true, false));
        Assert.False(s.NeedsKeyframe);
        Assert.Equal(1, s.CurrentSpatial);
        Assert.Equal(ForwardDecision.Forward, s.Decide(1, 2, false, false));
    }

    [Fact]
    public void Decide_SpatialUpSwitch_KeepsOldLayerUntilKeyframe_ReasonLogged()
    {
        var s = Started(0, 2);
        _log.Lines.Clear();
        s.SetTarget(2, 2, LayerSwitchReason.Estimate);
        Assert.Equal(ForwardDecision.Forward, s.Decide(0, 1, false, false));
        Assert.Equal(ForwardDecision.Drop, s.Decide(2, 0, false, false));
        Assert.Equal(ForwardDecision.Drop, s.Decide(1, 0, true, false));
        Assert.Equal(ForwardDecision.Switch, s.Decide(2, 0, true, false));
        Assert.Equal(ForwardDecision.Drop, s.Decide(0, 0, false, false));
        Assert.Equal(2, _log.Lines.Count);
        Assert.Contains("Estimate", _log.Lines[0].Message);
        Assert.Equal(1202, _log.Lines[1].Id.Id);
        Assert.Contains("0/2 -> 2/2 (Estimate)", _log.Lines[1].Message);
    }

    [Fact]
    public void Decide_SpatialDownSwitch_AlsoWaitsForKeyframe()
    {
        var s = Started(2, 0);
        s.SetTarget(0, 0, LayerSwitchReason.TileSize);
        Assert.Equal(ForwardDecision.Forward, s.Decide(2, 0, false, false));
        Assert.Equal(ForwardDecision.Drop, s.Decide(0, 0, false, false));
        Assert.Equal(ForwardDecision.Switch, s.Decide(0, 0, true, false));
        Assert.Equal(LayerSwitchReason.TileSize, s.LastReason);
    }

    [Fact]
    public void Decide_TemporalDown_Immediate_Up_OnlyAtLayerSync()
    {
        var s = Started(0, 2);
        Assert.Equal(ForwardDecision.Forward, s.Decide(0, 2, false, false));
        s.SetTarget(0, 0, LayerSwitchReason.Estimate);
        Assert.Equal(0, s.CurrentTemporal);
        Assert.Equal(ForwardDecision.Drop, s.Decide(0, 1, false, false));
        Assert.Equal(ForwardDecision.Forward, s.Decide(0, 0, false, false));
        s.SetTarget(0, 2, LayerSwitchReason.Estimate);
        Assert.Equal(ForwardDecision.Drop, s.Decide(0, 2, false, layerSync: false));
        Assert.Equal(ForwardDecision.Forward, s.Decide(0, 1, false, layerSync: true));
        Assert.Equal(1, s.CurrentTemporal);
        Assert.Equal(ForwardDecision.Drop, s.Decide(0, 2, false, false));
        Assert.Equal(ForwardDecision.Forward, s.Decide(0, 2, false, true));
        Assert.Equal(2, s.CurrentTemporal);
    }

    [Fact]
    public void SetTarget_Pause_DropsEverythingAndLogsPause_ResumeNeedsKeyframe()
    {
        var s = Started(1, 0);
        s.SetTarget(-1, 0, LayerSwitchReason.Pause);
        Assert.True(s.IsPaused);
        Assert.Equal(-1, s.CurrentSpatial);
        Assert.Equal(ForwardDecision.Drop, s.Decide(1, 0, true, false));
        Assert.Contains(_log.Lines, l => l.Id.Id == 1202 && l.Message.Contains("-> -1/-1 (Pause)"));
        s.SetTarget(1, 0, LayerSwitchReason.Resume);
        Assert.True(s.NeedsKeyframe);
        Assert.Equal(ForwardDecision.Drop, s.Decide(1, 0, false, false));
        Assert.Equal(ForwardDecision.Switch, s.Decide(1, 0, true, false));
    }

    [Fact]
    public void SetTarget_Unchanged_NotLoggedAgain()
    {
        var s = Started(1, 1);
        int lines = _log.Lines.Count;
        s.SetTarget(1, 1, LayerSwitchReason.Estimate);
        s.SetTarget(5, 9, LayerSwitchReason.Estimate); // clamped to 2/3
        Assert.Equal(2, s.TargetSpatial);
        Assert.Equal(3, s.TargetTemporal);
        Assert.Equal(lines + 1, _log.Lines.Count);
    }
}
