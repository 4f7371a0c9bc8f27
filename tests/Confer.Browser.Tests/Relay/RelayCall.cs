using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.Relay;

/// <summary>What one page saw of its call: the selected candidate pair and, on the receiving side, decoded video.</summary>
internal sealed record RelayCallStats(
    [property: JsonPropertyName("connectionState")] string? ConnectionState,
    [property: JsonPropertyName("localType")] string? LocalCandidateType,
    [property: JsonPropertyName("localRelayProtocol")] string? LocalRelayProtocol,
    [property: JsonPropertyName("remoteType")] string? RemoteCandidateType,
    [property: JsonPropertyName("framesDecoded")] long FramesDecoded,
    [property: JsonPropertyName("videoWidth")] int VideoWidth,
    [property: JsonPropertyName("candidates")] IReadOnlyList<string> LocalCandidates,
    [property: JsonPropertyName("errors")] IReadOnlyList<string> IceErrors)
{
    public override string ToString() =>
        $"state {ConnectionState}; selected pair local {LocalCandidateType}/{LocalRelayProtocol} remote {RemoteCandidateType}; " +
        $"framesDecoded {FramesDecoded}, videoWidth {VideoWidth}\n  local candidates:\n    {string.Join("\n    ", LocalCandidates)}\n" +
        $"  ICE errors:\n    {string.Join("\n    ", IceErrors)}";
}

/// <summary>
/// A one-way video call between two pages (two browser contexts), each RTCPeerConnection limited to relay candidates
/// (<c>iceTransportPolicy: 'relay'</c>). The test exchanges the SDP itself with Playwright (no signaling server):
/// the caller sends its fake camera, the callee receives it into a &lt;video&gt;. Non-trickle: each side waits for
/// ICE gathering to finish (bounded) before its description is handed over.
/// </summary>
internal static class RelayCall
{
    private const string Common = """
        window.iceErrors = [];
        window.localCandidates = [];
        const gathered = (pc, ms) => new Promise(resolve => {
          if (pc.iceGatheringState === 'complete') return resolve();
          pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); });
          setTimeout(resolve, ms);
        });
        const watch = pc => {
          pc.addEventListener('icecandidateerror', e => window.iceErrors.push(`${e.url} ${e.errorCode} ${e.errorText}`));
          pc.addEventListener('icecandidate', e => { if (e.candidate) window.localCandidates.push(e.candidate.candidate); });
        };
        """;

    private const string OfferScript = "async (json) => {" + Common + """
          const { iceServers } = JSON.parse(json);
          const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: 'relay' });
          window.pc = pc;
          watch(pc);
          const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: false });
          for (const track of stream.getTracks()) pc.addTrack(track, stream);
          await pc.setLocalDescription(await pc.createOffer());
          await gathered(pc, 10000);
          return JSON.stringify(pc.localDescription);
        }
        """;

    private const string AnswerScript = "async (json) => {" + Common + """
          const { iceServers, offer } = JSON.parse(json);
          const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: 'relay' });
          window.pc = pc;
          watch(pc);
          const video = document.createElement('video');
          video.autoplay = true; video.muted = true; video.playsInline = true;
          document.body.appendChild(video);
          window.video = video;
          pc.addEventListener('track', e => { video.srcObject = e.streams[0] ?? new MediaStream([e.track]); });
          await pc.setRemoteDescription(JSON.parse(offer));
          await pc.setLocalDescription(await pc.createAnswer());
          await gathered(pc, 10000);
          return JSON.stringify(pc.localDescription);
        }
        """;

    private const string AcceptScript = "async (answer) => { await window.pc.setRemoteDescription(JSON.parse(answer)); }";

    /// <summary>Polls getStats until the page has a selected pair (and, when asked, decoded frames), or the time is up.</summary>
    private const string StatsScript = """
        async (json) => {
          const { waitMs, needFrames } = JSON.parse(json);
          const pc = window.pc;
          const end = Date.now() + waitMs;
          let result;
          while (true) {
            const stats = await pc.getStats();
            let pairId = null, framesDecoded = 0;
            stats.forEach(s => {
              if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
              if (s.type === 'inbound-rtp' && s.kind === 'video') framesDecoded = Math.max(framesDecoded, s.framesDecoded ?? 0);
            });
            if (!pairId) stats.forEach(s => { if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pairId = s.id; });
            const pair = pairId ? stats.get(pairId) : null;
            const local = pair ? stats.get(pair.localCandidateId) : null;
            const remote = pair ? stats.get(pair.remoteCandidateId) : null;
            result = {
              connectionState: pc.connectionState,
              localType: local?.candidateType ?? null, localRelayProtocol: local?.relayProtocol ?? null,
              remoteType: remote?.candidateType ?? null, framesDecoded,
              videoWidth: window.video?.videoWidth ?? 0,
              candidates: window.localCandidates, errors: window.iceErrors,
            };
            const done = pair && (!needFrames || (framesDecoded > 0 && result.videoWidth > 0));
            if (done || Date.now() > end || pc.connectionState === 'failed') return JSON.stringify(result);
            await new Promise(r => setTimeout(r, 200));
          }
        }
        """;

    /// <summary>Connects <paramref name="caller"/> to <paramref name="callee"/> and returns what each saw.</summary>
    public static async Task<(RelayCallStats Caller, RelayCallStats Callee)> ConnectAsync(IPage caller, IPage callee, object[] iceServers, TimeSpan wait)
    {
        var servers = JsonSerializer.Serialize(new { iceServers });
        var offer = await caller.EvaluateAsync<string>(OfferScript, servers);
        var answer = await callee.EvaluateAsync<string>(AnswerScript, JsonSerializer.Serialize(new { iceServers, offer }));
        await caller.EvaluateAsync(AcceptScript, answer);

        var waitMs = (int)wait.TotalMilliseconds;
        var calleeStats = await callee.EvaluateAsync<string>(StatsScript, JsonSerializer.Serialize(new { waitMs, needFrames = true }));
        var callerStats = await caller.EvaluateAsync<string>(StatsScript, JsonSerializer.Serialize(new { waitMs = 5000, needFrames = false }));
        return (JsonSerializer.Deserialize<RelayCallStats>(callerStats)!, JsonSerializer.Deserialize<RelayCallStats>(calleeStats)!);
    }
}
