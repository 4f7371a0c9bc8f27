using System.Text.Json;
using Confer.Browser.Tests.Meeting;
using Confer.Signaling.Auth;

namespace Confer.Browser.Tests.Sfu;

/// <summary>
/// Media through Confer's SFU, from real Chromium speaking protocol 2 by hand (docs/protocol.md, "Through Confer's
/// SFU"): one page publishes its fake camera on a publisher connection to the server, another receives it on the
/// subscriber connection the server offers, and decodes frames. Both connections end at the server's media port (the
/// STUN/TURN UDP port): there is no browser-to-browser connection at all.
/// </summary>
public sealed class SfuCallTests : IAsyncLifetime
{
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync(o => o.Signaling.Topology = Confer.Signaling.Topologies.Sfu, withTurn: true);
    public async Task DisposeAsync() => await _h.DisposeAsync();

    /// <summary>
    /// Joins with protocol 2 and keeps the frames: publishes the camera when asked, answers subscriber offers, and
    /// records received tracks on window.__sfu.
    /// </summary>
    private const string Client = """
        async (args) => {
          const { token, publish } = JSON.parse(args);
          const sfu = window.__sfu = { frames: [], errors: [], tracks: [], trackSids: {} };
          const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/rtc?access_token=${encodeURIComponent(token)}&protocol=2`);
          const waiting = [];
          const next = (type) => new Promise((resolve, reject) => {
            const i = sfu.frames.findIndex((f) => f.type === type);
            if (i >= 0) { resolve(sfu.frames.splice(i, 1)[0]); return; }
            waiting.push({ type, resolve });
            setTimeout(() => reject(new Error(`no ${type} within 10 s; errors: ${JSON.stringify(sfu.errors)}; frames: ${sfu.frames.map((f) => f.type)}`)), 10000);
          });
          const send = (f) => ws.send(JSON.stringify(f));
          const sub = new RTCPeerConnection();
          sub.ontrack = (e) => {
            const video = document.createElement('video');
            video.autoplay = true; video.muted = true; video.srcObject = new MediaStream([e.track]);
            document.body.append(video);
            sfu.tracks.push({ mid: e.transceiver.mid, kind: e.track.kind, trackSid: sfu.trackSids[e.transceiver.mid] });
          };
          ws.onmessage = async (m) => {
            const f = JSON.parse(m.data);
            if (f.type === 'error') { sfu.errors.push(f); return; }
            if (f.type === 'subscriberOffer') {
              for (const t of f.tracks) sfu.trackSids[t.mid] = t.trackSid;
              await sub.setRemoteDescription({ type: 'offer', sdp: f.sdp });
              const answer = await sub.createAnswer();
              await sub.setLocalDescription(answer);
              send({ type: 'subscriberAnswer', sdp: answer.sdp });
              return;
            }
            const w = waiting.findIndex((x) => x.type === f.type);
            if (w >= 0) waiting.splice(w, 1)[0].resolve(f); else sfu.frames.push(f);
          };
          const join = await next('join');
          sfu.topology = join.topology;
          if (publish) {
            const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
            send({ type: 'publishTrack', cid: stream.id, kind: 'video', source: 'camera' });
            const published = await next('trackPublished');
            sfu.published = published.track.sid;
            const pub = sfu.pub = new RTCPeerConnection();
            pub.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly', streams: [stream] });
            const offer = await pub.createOffer();
            await pub.setLocalDescription(offer);
            send({ type: 'publisherOffer', sdp: offer.sdp.replaceAll(stream.id, published.track.sid) });
            const answer = await next('publisherAnswer');
            await pub.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
          }
          return join.participant.sid;
        }
        """;

    [Fact]
    public async Task Publisher_ThroughTheSfu_SubscriberDecodesItsVideo()
    {
        var alice = await _h.NewPageAsync("/", bypassCsp: true);
        var bob = await _h.NewPageAsync("/", bypassCsp: true);
        await alice.EvaluateAsync<string>(Client, JsonSerializer.Serialize(new { token = Token("alice"), publish = true }));
        await bob.EvaluateAsync<string>(Client, JsonSerializer.Serialize(new { token = Token("bob"), publish = false }));
        Assert.Equal("sfu", await bob.EvaluateAsync<string>("() => window.__sfu.topology"));

        var decoded = await MeetingHarness.WaitForAsync(bob, """
            (async () => {
              const v = document.querySelector('video');
              if (!v || !window.__sfu.tracks.length) return null;
              return v.videoWidth > 0 && !v.paused ? { width: v.videoWidth, track: window.__sfu.tracks[0].trackSid } : null;
            })()
            """, TimeSpan.FromSeconds(20), "bob to decode alice's video through the SFU");
        Assert.Equal(await alice.EvaluateAsync<string>("() => window.__sfu.published"), decoded.GetProperty("track").GetString());
        Assert.Equal(0, await alice.EvaluateAsync<int>("() => window.__sfu.errors.length"));
    }

    private static string Token(string identity) => AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, identity,
        new VideoGrant { Room = "sfu-call", RoomJoin = true }, DateTimeOffset.UtcNow, TimeSpan.FromHours(1), identity);
}
