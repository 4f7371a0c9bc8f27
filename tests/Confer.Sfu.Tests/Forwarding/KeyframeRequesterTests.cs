using Confer.Sfu.Forwarding;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Sfu.Tests.Forwarding;

public sealed class KeyframeRequesterTests
{
    private sealed class Sink : IKeyframeRequestSink
    {
        public List<(uint Ssrc, KeyframeRequestKind Kind, byte Fir)> Requests { get; } = [];
        public void RequestKeyframe(uint mediaSsrc, KeyframeRequestKind kind, byte firSequence) => Requests.Add((mediaSsrc, kind, firSequence));
    }

    private readonly FakeTimeProvider _time = new();
    private readonly Sink _sink = new();

    [Fact]
    public void Request_Burst_OnePerInterval()
    {
        var k = new KeyframeRequester(0xABC, _sink, _time);
        Assert.True(k.Request());
        for (int i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(49));
            Assert.False(k.Request());
        }
        _time.Advance(TimeSpan.FromMilliseconds(10)); // 500 ms after the first
        Assert.True(k.Request());
        Assert.Equal(2, _sink.Requests.Count);
        Assert.All(_sink.Requests, r => Assert.Equal((0xABCu, KeyframeRequestKind.Pli), (r.Ssrc, r.Kind)));
        Assert.Equal(10, k.Throttled);
    }

    [Fact]
    public void Retry_PendingUntilKeyframe_ThenStops()
    {
        var k = new KeyframeRequester(1, _sink, _time, TimeSpan.FromSeconds(1));
        Assert.False(k.Retry()); // nothing pending
        k.Request();
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(k.Retry());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(k.Retry());
        k.OnKeyframe();
        Assert.False(k.Pending);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(k.Retry());
        Assert.Equal(2, _sink.Requests.Count);
    }

    [Fact]
    public void Request_Fir_RepeatKeepsSequenceNewCommandIncrements()
    {
        var k = new KeyframeRequester(1, _sink, _time, kind: KeyframeRequestKind.Fir);
        k.Request();
        _time.Advance(TimeSpan.FromSeconds(1));
        k.Request(); // still pending: a repetition
        k.OnKeyframe();
        _time.Advance(TimeSpan.FromSeconds(1));
        k.Request(); // a new command
        Assert.Equal(new byte[] { 1, 1, 2 }, _sink.Requests.Select(r => r.Fir).ToArray());
        Assert.All(_sink.Requests, r => Assert.Equal(KeyframeRequestKind.Fir, r.Kind));
    }

    [Fact]
    public void Request_AfterKeyframeWithinInterval_StillThrottled()
    {
        var k = new KeyframeRequester(1, _sink, _time);
        k.Request();
        k.OnKeyframe();
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.False(k.Request());
        Assert.True(k.Pending);
        _time.Advance(TimeSpan.FromMilliseconds(400));
        Assert.True(k.Retry());
    }
}
