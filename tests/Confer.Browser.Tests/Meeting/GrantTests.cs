using System.Text.Json;
using Confer.Signaling.Auth;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.Meeting;

/// <summary>
/// Grants held by the server, not by the SDK: a modified client without canPublish that sends a
/// camera anyway reaches nobody, and the honest SDK still works with grants missing
/// (docs/protocol.md, "Grants in SDP").
/// </summary>
public sealed class GrantTests : IAsyncLifetime
{
    private static readonly TimeSpan Connect = TimeSpan.FromSeconds(20);
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync();
    public async Task DisposeAsync() => await _h.DisposeAsync();

    /// <summary>Joins with a token minted here (the dev server's key), with <paramref name="grant"/> applied.</summary>
    private async Task<(IPage Page, string Identity)> JoinWithGrantAsync(string room, string identity, Action<VideoGrant> grant, bool publish, string? beforeJoin = null)
    {
        var g = new VideoGrant { Room = room, RoomJoin = true };
        grant(g);
        var token = AccessTokenBuilder.Create("devkey", "secret", identity, g, DateTimeOffset.UtcNow, TimeSpan.FromHours(1), identity);
        var (page, id) = await _h.JoinAsync(room, identity, new { token, publish },
            beforeJoin: beforeJoin ?? "() => {}");
        await page.EvaluateAsync("() => { window.__serverErrors = []; window.__peer.room.on('serverError', (e) => window.__serverErrors.push(e.code)); }");
        return (page, id);
    }

    /// <summary>Video packets and decoded frames this page received from <paramref name="identity"/>, from raw getStats.</summary>
    private static Task<JsonElement> InboundVideoAsync(IPage page, string identity) =>
        page.EvaluateAsync<JsonElement>("""
            async (identity) => {
              const p = window.__peer.room.remoteParticipants.get(identity);
              const report = await p.getStats();
              let packets = 0, frames = 0;
              report?.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') { packets += s.packetsReceived ?? 0; frames += s.framesDecoded ?? 0; } });
              return { packets, frames, publications: p.trackPublications.size };
            }
            """, identity);

    [Fact]
    public async Task ModifiedClient_WithoutCanPublish_ItsCameraReachesNobody()
    {
        var (bob, bobId) = await _h.JoinAsync("grant-pub", "Bob");
        var (mallory, malloryId) = await JoinWithGrantAsync("grant-pub", "mallory", g => g.CanPublish = false, publish: true);

        // The honest path: the SDK's publish is refused, and Mallory still receives.
        Assert.StartsWith("permission_denied", await mallory.EvaluateAsync<string>("() => window.__peer.mediaError"));
        await MeetingHarness.WaitForVideoFromAsync(mallory, Connect, bobId);

        // The modified client: hands a camera to its media engine as the SDK does after trackPublished,
        // without the server having published anything.
        await mallory.EvaluateAsync("""
            async () => {
              const stream = await navigator.mediaDevices.getUserMedia({ video: true });
              window.__peer.room._engine.publicationAdded({ trackSid: 'TR_forgedcamera', kind: 'video', source: 'camera',
                track: stream.getVideoTracks()[0], stream, muted: false });
            }
            """);
        await Task.Delay(4000); // media, had the offer gone through, would flow by now

        var atBob = await InboundVideoAsync(bob, malloryId);
        Assert.True(atBob.GetProperty("packets").GetInt64() == 0 && atBob.GetProperty("frames").GetInt64() == 0,
            $"Bob received video from Mallory: {atBob}\n{await MeetingHarness.DescribeAsync(bob, mallory)}");
        Assert.Equal(0, atBob.GetProperty("publications").GetInt32());
        // Mallory was told why (the SDK's serverError event).
        await MeetingHarness.WaitForAsync(mallory, "window.__serverErrors.includes('sdp_refused')", Connect, "the server refusing Mallory's sending offer");
        // Bob's own media still reaches Mallory, and Bob's SDK met no refusal.
        await MeetingHarness.WaitForVideoFromAsync(mallory, Connect, bobId);
        Assert.Equal(0, await bob.EvaluateAsync<int>("() => window.__peer.count('serverError')"));
    }

    /// <summary>
    /// A media engine that lies: what it sends through the server says recvonly where its browser sends,
    /// and the answers it gets say recvonly where the other side declined. Its browser then believes it
    /// may send; the other browser, holding the description the server let through, must not take it.
    /// </summary>
    private const string LyingEngine = """
        async () => {
          const { MeshEngine } = await import('/sdk/engine/MeshEngine.js');
          const inner = new MeshEngine();
          const lie = (sdp) => sdp.replace(/a=(sendonly|sendrecv)/g, 'a=recvonly');
          const believe = (sdp) => sdp.replace(/a=inactive/g, 'a=recvonly');
          window.__peer.engine = new Proxy(inner, { get(target, name) {
            if (name === 'start') return (host, init) => target.start({ ...host,
              sendSignal: (type, f) => host.sendSignal(type, typeof f.sdp === 'string' ? { ...f, sdp: lie(f.sdp) } : f) }, init);
            if (name === 'signal') return (frame) => target.signal(frame.type === 'answer' ? { ...frame, sdp: believe(frame.sdp) } : frame);
            const v = target[name];
            return typeof v === 'function' ? v.bind(target) : v;
          } });
        }
        """;

    [Fact]
    public async Task ModifiedClient_LyingAboutDirections_ItsBrowserSendsButBobDecodesNothing()
    {
        var (bob, bobId) = await _h.JoinAsync("grant-lie", "Bob");
        var (mallory, malloryId) = await JoinWithGrantAsync("grant-lie", "mallory", g => g.CanPublish = false, publish: false, beforeJoin: LyingEngine);
        await MeetingHarness.WaitForVideoFromAsync(mallory, Connect, bobId);

        await mallory.EvaluateAsync("""
            async () => {
              const stream = await navigator.mediaDevices.getUserMedia({ video: true });
              window.__peer.room._engine.publicationAdded({ trackSid: 'TR_forgedcamera', kind: 'video', source: 'camera',
                track: stream.getVideoTracks()[0], stream, muted: false });
            }
            """);
        // Mallory's browser negotiated a sending camera (the server saw only recvonly) and sends.
        await MeetingHarness.WaitForAsync(mallory, $$"""
            (async () => {
              const r = window.__peer.room;
              const report = await r._engine.getStats(r.remoteParticipants.get('{{bobId}}').sid);
              let sent = 0;
              report?.forEach((s) => { if (s.type === 'outbound-rtp' && s.kind === 'video') sent += s.packetsSent ?? 0; });
              return sent > 50;
            })()
            """, Connect, "Mallory's browser sending the forged camera");
        await Task.Delay(3000);

        var atBob = await InboundVideoAsync(bob, malloryId);
        Assert.True(atBob.GetProperty("frames").GetInt64() == 0,
            $"Bob decoded video from Mallory: {atBob}\n{await MeetingHarness.DescribeAsync(bob, mallory)}");
        Assert.Equal(0, atBob.GetProperty("publications").GetInt32());
        Assert.Equal(0, await bob.EvaluateAsync<int>("() => window.__peer.count('trackSubscribed', '" + malloryId + "')"));
    }

    [Fact]
    public async Task HonestSdk_WithoutCanSubscribe_PublishesButReceivesNothingAndNothingIsRefused()
    {
        var (bob, bobId) = await _h.JoinAsync("grant-sub", "Bob");
        var (carol, carolId) = await JoinWithGrantAsync("grant-sub", "carol", g => g.CanSubscribe = false, publish: true);

        await MeetingHarness.WaitForVideoFromAsync(bob, Connect, carolId);
        await Task.Delay(2000);
        var atCarol = await InboundVideoAsync(carol, bobId);
        Assert.True(atCarol.GetProperty("packets").GetInt64() == 0, $"Carol received video: {atCarol}\n{await MeetingHarness.DescribeAsync(bob, carol)}");
        Assert.True(atCarol.GetProperty("publications").GetInt32() > 0); // she sees what Bob publishes
        Assert.Equal(0, await carol.EvaluateAsync<int>("() => window.__peer.count('serverError')"));
        Assert.Equal(0, await bob.EvaluateAsync<int>("() => window.__peer.count('serverError')"));
    }
}
