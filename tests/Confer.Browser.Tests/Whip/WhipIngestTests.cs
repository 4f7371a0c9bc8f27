using System.Diagnostics;
using System.Text.Json;
using Confer.Browser.Tests.Meeting;
using Confer.Signaling.Auth;

namespace Confer.Browser.Tests.Whip;

/// <summary>
/// WHIP ingest (RFC 9725; docs/protocol.md, "WHIP ingest") with a publisher that is not a browser: GStreamer's
/// webrtcbin, driven by whip_publish.py, POSTs a VP8 test pattern and an Opus tone to <c>/whip/{room}</c>; a Chromium
/// subscriber in the room (protocol 2 by hand, as in Sfu/SfuCallTests) sees the encoder join and publish, decodes its
/// video and receives its audio through Confer's SFU; the script's DELETE makes the participant leave.
/// </summary>
public sealed class WhipIngestTests : IAsyncLifetime
{
    private const string Room = "whip-room";
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync(o => o.Signaling.Topology = Confer.Signaling.Topologies.Sfu);
    public async Task DisposeAsync() => await _h.DisposeAsync();

    /// <summary>Joins with protocol 2 as a subscriber: answers subscriber offers, keeps every other frame on window.__sfu.frames.</summary>
    internal const string Subscriber = """
        async (token) => {
          const sfu = window.__sfu = { frames: [], errors: [], tracks: [], trackSids: {} };
          const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/rtc?access_token=${encodeURIComponent(token)}&protocol=2`);
          const sub = sfu.sub = new RTCPeerConnection();
          sub.ontrack = (e) => {
            const el = document.createElement(e.track.kind === 'video' ? 'video' : 'audio');
            el.autoplay = true; el.muted = true; el.srcObject = new MediaStream([e.track]);
            document.body.append(el);
            sfu.tracks.push({ mid: e.transceiver.mid, kind: e.track.kind, trackSid: sfu.trackSids[e.transceiver.mid] });
          };
          const joined = new Promise((resolve) => {
            ws.onmessage = async (m) => {
              const f = JSON.parse(m.data);
              if (f.type === 'join') { resolve(f); return; }
              sfu.log = sfu.log || [];
              sfu.log.push(f.type + (f.type === 'error' ? ':' + f.message : '') + (f.tracks ? ':' + f.tracks.length : ''));
              if (f.type === 'error') { sfu.errors.push(f); return; }
              if (f.type === 'subscriberOffer') {
                for (const t of f.tracks) sfu.trackSids[t.mid] = t.trackSid;
                await sub.setRemoteDescription({ type: 'offer', sdp: f.sdp });
                const answer = await sub.createAnswer();
                await sub.setLocalDescription(answer);
                ws.send(JSON.stringify({ type: 'subscriberAnswer', sdp: answer.sdp }));
                return;
              }
              sfu.frames.push(f);
            };
          });
          const join = await joined;
          return join.topology;
        }
        """;

    /// <summary>What the subscriber has received from the encoder: inbound RTP per kind, and the decoded picture's size.</summary>
    internal const string Received = """
        (async () => {
          const stats = await window.__sfu.sub.getStats();
          const out = { videoFrames: 0, audioPackets: 0, audioSamples: 0 };
          stats.forEach((s) => {
            if (s.type !== 'inbound-rtp') return;
            if (s.kind === 'video') out.videoFrames += s.framesDecoded || 0;
            if (s.kind === 'audio') { out.audioPackets += s.packetsReceived || 0; out.audioSamples += s.totalSamplesReceived || 0; }
          });
          const v = document.querySelector('video');
          out.width = v ? v.videoWidth : 0; out.height = v ? v.videoHeight : 0;
          return out;
        })()
        """;

    [Fact]
    public async Task GStreamerPublisher_ThroughWhip_BrowserDecodesVideoAndAudio_DeleteLeaves()
    {
        var bob = await _h.NewPageAsync("/", bypassCsp: true);
        Assert.Equal("sfu", await bob.EvaluateAsync<string>(Subscriber, Token("bob")));

        var script = Path.Combine(AppContext.BaseDirectory, "Whip", "whip_publish.py");
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, $"{_h.BaseUrl.TrimEnd('/')}/whip/{Room}", Token("encoder"), "120" }) info.ArgumentList.Add(a);
        using var encoder = Process.Start(info)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        encoder.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        encoder.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue("stderr: " + e.Data); };
        encoder.BeginOutputReadLine();
        encoder.BeginErrorReadLine();
        try
        {
            var started = Stopwatch.StartNew();
            while (!output.Any(l => l.StartsWith("location ", StringComparison.Ordinal)) && started.Elapsed < TimeSpan.FromSeconds(20) && !encoder.HasExited)
                await Task.Delay(100);
            Assert.True(output.Any(l => l.StartsWith("location ", StringComparison.Ordinal)), "the encoder got no WHIP answer: " + string.Join("\n", output));

            // The room announced the encoder and its two tracks like anyone's.
            var announced = await MeetingHarness.WaitForAsync(bob, """
                (() => {
                  const f = window.__sfu.frames;
                  const joined = f.find((x) => x.type === 'participantJoined' && x.participant.identity === 'encoder');
                  const tracks = f.filter((x) => x.type === 'trackPublished' && joined && x.participantSid === joined.participant.sid).map((x) => x.track.source).sort();
                  return joined && tracks.length === 2 ? { sid: joined.participant.sid, tracks } : null;
                })()
                """, TimeSpan.FromSeconds(10), "participantJoined and two trackPublished for the encoder");
            Assert.Equal(["camera", "microphone"], announced.GetProperty("tracks").EnumerateArray().Select(t => t.GetString()!).ToArray());

            var firstFrame = Stopwatch.StartNew();
            var media = await MeetingHarness.WaitForAsync(bob, $"({Received}).then((r) => r.videoFrames > 30 && r.audioPackets > 100 && r.width > 0 ? r : null)",
                TimeSpan.FromSeconds(30), "bob to decode the encoder's test pattern and receive its Opus audio");
            Assert.Equal(320, media.GetProperty("width").GetInt32());
            Assert.Equal(240, media.GetProperty("height").GetInt32());
            Assert.True(media.GetProperty("audioSamples").GetDouble() > 0, "audio packets arrived but no samples were decoded");
            Console.WriteLine($"WHIP: {media.GetProperty("videoFrames")} video frames and {media.GetProperty("audioPackets")} audio packets within {firstFrame.Elapsed.TotalSeconds:0.0} s of the answer");

            // SIGTERM: the script stops streaming and DELETEs its session resource.
            using (var kill = Process.Start("kill", ["-TERM", encoder.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await encoder.WaitForExitAsync(exit.Token);
            Assert.True(encoder.ExitCode == 0 && output.Contains("deleted 200"), "the encoder did not end its session: " + string.Join("\n", output));
            var sid = announced.GetProperty("sid").GetString();
            await MeetingHarness.WaitForAsync(bob, $"window.__sfu.frames.some((x) => x.type === 'participantLeft' && x.sid === '{sid}')",
                TimeSpan.FromSeconds(5), "participantLeft for the encoder after its DELETE");
            var errors = await bob.EvaluateAsync<string>("() => JSON.stringify(window.__sfu.errors.map((e) => e.message))");
            Console.WriteLine("WHIP subscriber errors: " + errors + " after " + await bob.EvaluateAsync<string>("() => JSON.stringify(window.__sfu.log)"));
            Assert.Equal("[]", errors);
        }
        finally
        {
            if (!encoder.HasExited) encoder.Kill();
        }
    }

    private static string Token(string identity) => AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, identity,
        new VideoGrant { Room = Room, RoomJoin = true }, DateTimeOffset.UtcNow, TimeSpan.FromHours(1), identity);
}
