using System.Text.Json;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.Meeting;

/// <summary>
/// publishData between real browsers: over the peer data channels when they are open, through
/// signaling when not, and <c>dataReceived</c> exactly once per message either way.
/// </summary>
public sealed class DataTests : IAsyncLifetime
{
    private static readonly TimeSpan Connect = TimeSpan.FromSeconds(20);
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync();
    public async Task DisposeAsync() => await _h.DisposeAsync();

    /// <summary>Before joining: count the `data` frames this page sends over the signaling socket, and record every dataReceived.</summary>
    private const string Spy = """
        () => {
          window.__wsData = [];
          const send = WebSocket.prototype.send;
          WebSocket.prototype.send = function (d) {
            if (typeof d === 'string' && d.includes('"type":"data"')) window.__wsData.push(JSON.parse(d));
            return send.call(this, d);
          };
        }
        """;

    private async Task<(IPage Page, string Identity)> JoinAsync(string room, string name, object? options = null)
    {
        var page = await _h.NewPageAsync("/healthz");
        await page.EvaluateAsync(PeerScript.Source);
        await page.EvaluateAsync(Spy);
        var identity = await page.EvaluateAsync<string>(
            "async ([room, name, opts]) => { const id = await window.__peer.join(room, name, JSON.parse(opts)); window.__got = [];" +
            " window.__peer.room.on('dataReceived', (payload, p, topic) => window.__got.push({ text: new TextDecoder().decode(payload), bytes: [...payload], from: p?.identity ?? null, topic: topic ?? null })); return id; }",
            new object[] { room, name, JsonSerializer.Serialize(options ?? new { publish = false }) });
        return (page, identity);
    }

    private static Task WaitForChannelsAsync(IPage page, string identity) =>
        MeetingHarness.WaitForAsync(page, $"(() => {{ const r = window.__peer.room; return r._describeEngine()[r.remoteParticipants.get('{identity}')?.sid]?.dataOpen; }})()", Connect, $"data channels to {identity} open");

    [Fact]
    public async Task PublishData_ChannelsOpen_GoesPeerToPeerOncePerMessageInOrder()
    {
        var (a, aliceId) = await JoinAsync("data-dc", "Alice");
        var (b, bobId) = await JoinAsync("data-dc", "Bob");
        await WaitForChannelsAsync(a, bobId);
        await WaitForChannelsAsync(b, aliceId);

        await a.EvaluateAsync("""
            async () => {
              const lp = window.__peer.room.localParticipant;
              for (let i = 0; i < 50; i++) await lp.publishData(`m${i}`, { topic: 'seq' });
              await lp.publishData(new Uint8Array([0, 1, 254, 255]), { topic: 'bin' });
              for (let i = 0; i < 5; i++) await lp.publishData(`u${i}`, { reliable: false, topic: 'lossy' });
            }
            """);
        await b.EvaluateAsync($"() => window.__peer.room.localParticipant.publishData('back', {{ destinationIdentities: ['{aliceId}'] }})");

        var got = await MeetingHarness.WaitForAsync(b, "window.__got.filter(x => x.topic !== 'lossy').length >= 51 ? window.__got : null", Connect, "Alice's 51 reliable messages at Bob");
        await Task.Delay(300); // a duplicate, if any, would arrive by now
        got = await b.EvaluateAsync<JsonElement>("() => window.__got");
        var seq = got.EnumerateArray().Where(x => x.GetProperty("topic").GetString() == "seq").Select(x => x.GetProperty("text").GetString()).ToList();
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"m{i}"), seq);
        var bin = Assert.Single(got.EnumerateArray(), x => x.GetProperty("topic").GetString() == "bin");
        Assert.Equal([0, 1, 254, 255], bin.GetProperty("bytes").EnumerateArray().Select(x => x.GetInt32()));
        Assert.All(got.EnumerateArray(), x => Assert.Equal(aliceId, x.GetProperty("from").GetString()));
        var lossy = got.EnumerateArray().Where(x => x.GetProperty("topic").GetString() == "lossy").Select(x => x.GetProperty("text").GetString()).ToList();
        Assert.True(lossy.Count <= 5 && lossy.Distinct().Count() == lossy.Count, $"unreliable messages: {string.Join(",", lossy)}");

        await MeetingHarness.WaitForAsync(a, "window.__got.length === 1 && window.__got[0].text === 'back'", Connect, "Bob's reply at Alice");
        // Nothing went through the signaling server.
        Assert.Equal(0, await a.EvaluateAsync<int>("() => window.__wsData.length"));
        Assert.Equal(0, await b.EvaluateAsync<int>("() => window.__wsData.length"));
    }

    [Fact]
    public async Task PublishData_OneChannelNotOpen_ThatOneGetsItThroughSignalingOnce()
    {
        var (a, aliceId) = await JoinAsync("data-mixed", "Alice");
        var (b, bobId) = await JoinAsync("data-mixed", "Bob");
        // Carol's peer connections can never connect (relay only, with no TURN server at all):
        // her data channels never open.
        var (c, carolId) = await JoinAsync("data-mixed", "Carol", new { publish = false, rtcConfig = new { iceTransportPolicy = "relay", iceServers = Array.Empty<object>() } });
        await WaitForChannelsAsync(a, bobId);
        await MeetingHarness.WaitForAsync(a, $"window.__peer.room.remoteParticipants.has('{carolId}')", Connect, "Carol in Alice's room");

        Assert.False(await a.EvaluateAsync<bool>($"() => {{ const r = window.__peer.room; return !!r._describeEngine()[r.remoteParticipants.get('{carolId}').sid]?.dataOpen; }}"), await MeetingHarness.DescribeAsync(a, c));
        await a.EvaluateAsync("() => window.__peer.room.localParticipant.publishData('hello all', { topic: 't' })");
        await MeetingHarness.WaitForAsync(b, "window.__got.length === 1", Connect, "Alice's message at Bob");
        await MeetingHarness.WaitForAsync(c, "window.__got.length === 1", Connect, "Alice's message at Carol");
        await Task.Delay(300);
        foreach (var page in new[] { b, c })
        {
            var got = Assert.Single((await page.EvaluateAsync<JsonElement>("() => window.__got")).EnumerateArray());
            Assert.Equal("hello all", got.GetProperty("text").GetString());
            Assert.Equal(aliceId, got.GetProperty("from").GetString());
            Assert.Equal("t", got.GetProperty("topic").GetString());
        }
        // One signaling frame, addressed to Carol only.
        var frames = await a.EvaluateAsync<JsonElement>("() => window.__wsData");
        var frame = Assert.Single(frames.EnumerateArray(), f => f.GetProperty("type").GetString() == "data");
        Assert.Equal([carolId], frame.GetProperty("destinationIdentities").EnumerateArray().Select(x => x.GetString()));

        // Carol's own message (no channel open anywhere) goes to everyone through signaling.
        await c.EvaluateAsync("() => window.__peer.room.localParticipant.publishData('from carol', { reliable: false })");
        await MeetingHarness.WaitForAsync(a, "window.__got.length === 1 && window.__got[0].text === 'from carol'", Connect, "Carol's message at Alice");
        await MeetingHarness.WaitForAsync(b, "window.__got.length === 2 && window.__got[1].text === 'from carol'", Connect, "Carol's message at Bob");
    }
}
