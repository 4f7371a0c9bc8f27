using Confer.Sfu.Bandwidth;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Sfu.Tests.Bandwidth;

public sealed class DynacastGateTests
{
    private readonly FakeTimeProvider _time = new();

    private DynacastGate NewGate() => new(_time, 3, new DynacastOptions { PauseDelay = TimeSpan.FromSeconds(3) });

    [Fact]
    public void Update_NoSubscribers_PausesAllAfterDelay()
    {
        var gate = NewGate();
        Assert.Equal(2, gate.ActiveUpTo);
        Assert.False(gate.Update());
        _time.Advance(TimeSpan.FromSeconds(2.9));
        Assert.False(gate.Update());
        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(gate.Update());
        Assert.Equal(-1, gate.ActiveUpTo);
        Assert.False(gate.IsActive(0));
    }

    [Fact]
    public void Update_HigherDemand_RaisesAtOnce()
    {
        var gate = NewGate();
        gate.SetWanted("a", 0);
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.True(gate.Update());
        Assert.Equal(0, gate.ActiveUpTo);
        gate.SetWanted("b", 2);
        Assert.True(gate.Update());
        Assert.Equal(2, gate.ActiveUpTo);
        Assert.True(gate.IsActive(1));
    }

    [Fact]
    public void Update_DemandDipsBriefly_KeepsLayers()
    {
        var gate = NewGate();
        gate.SetWanted("a", 2);
        Assert.False(gate.Update());
        gate.SetWanted("a", 0);   // tile shrinks...
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(gate.Update());
        gate.SetWanted("a", 2);   // ...and grows back
        Assert.False(gate.Update());
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(gate.Update());
        Assert.Equal(2, gate.ActiveUpTo);
    }

    [Fact]
    public void Update_HighestSubscriberLeaves_LowersToNextHighestAfterDelay()
    {
        var gate = NewGate();
        gate.SetWanted("a", 2);
        gate.SetWanted("b", 1);
        gate.Update();
        gate.Remove("a");
        Assert.False(gate.Update());
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(3), gate.NextChangeAt);
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.True(gate.Update());
        Assert.Equal(1, gate.ActiveUpTo);
        Assert.Null(gate.NextChangeAt);
    }

    [Fact]
    public void Update_DemandFallsInSteps_LowersToHighestSeenWhileWaiting()
    {
        var gate = NewGate();
        gate.SetWanted("a", 2);
        gate.Update();
        gate.SetWanted("a", 1);
        gate.Update();
        _time.Advance(TimeSpan.FromSeconds(2));
        gate.SetWanted("a", -1);
        gate.Update();
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(gate.Update());
        Assert.Equal(1, gate.ActiveUpTo);   // layer 1 was wanted within the last delay
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.True(gate.Update());
        Assert.Equal(-1, gate.ActiveUpTo);
    }
}
