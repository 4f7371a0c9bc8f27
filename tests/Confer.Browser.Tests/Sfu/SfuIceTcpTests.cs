using System.Globalization;
using System.Text.Json;
using Confer.Browser.Tests.Meeting;
using Confer.Signaling.Auth;
using Confer.Turn.Tests.Infrastructure;

namespace Confer.Browser.Tests.Sfu;

/// <summary>
/// ICE-TCP to Confer's SFU (RFC 6544) from real Chromium whose UDP to the media port is dropped (nftables in the test's
/// own network namespace): both peer connections, publisher and subscriber, select the server's "tcptype passive"
/// candidate on the HTTPS port, and the subscriber decodes the publisher's video. Protocol 2 by hand.
/// </summary>
public sealed class SfuIceTcpTests : IAsyncLifetime
{
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync(o => o.Signaling.Topology = Confer.Signaling.Topologies.Sfu, withTurn: true);
    public async Task DisposeAsync() => await _h.DisposeAsync();

    private const string Client = """
        async (args) => {
          const { token, publish } = JSON.parse(args);
          const sfu = window.__sfu = { frames: [], errors: [], tracks: 0 };
          const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/rtc?access_token=${encodeURIComponent(token)}&protocol=2`);
          const waiting = [];
          const next = (type) => new Promise((resolve, reject) => {
            const i = sfu.frames.findIndex((f) => f.type === type);
            if (i >= 0) { resolve(sfu.frames.splice(i, 1)[0]); return; }
            waiting.push({ type, resolve });
            setTimeout(() => reject(new Error(`no ${type} within 10 s; errors: ${JSON.stringify(sfu.errors)}`)), 10000);
          });
          const send = (f) => ws.send(JSON.stringify(f));
          const sub = sfu.sub = new RTCPeerConnection();
          sub.ontrack = (e) => {
            const video = document.createElement('video');
            video.autoplay = true; video.muted = true; video.srcObject = new MediaStream([e.track]);
            document.body.append(video);
            sfu.tracks++;
          };
          sfu.selected = async (pc) => {
            const stats = await pc.getStats();
            for (const s of stats.values()) {
              if (s.type === 'transport' && s.selectedCandidatePairId) {
                const pair = stats.get(s.selectedCandidatePairId);
                return { local: stats.get(pair.localCandidateId)?.protocol, remote: stats.get(pair.remoteCandidateId)?.protocol,
                         tcpType: stats.get(pair.remoteCandidateId)?.tcpType ?? null };
              }
            }
            return null;
          };
          ws.onmessage = async (m) => {
            const f = JSON.parse(m.data);
            if (f.type === 'error') { sfu.errors.push(f); return; }
            if (f.type === 'subscriberOffer') {
              sfu.offer = f.sdp;
              await sub.setRemoteDescription({ type: 'offer', sdp: f.sdp });
              const answer = await sub.createAnswer();
              await sub.setLocalDescription(answer);
              send({ type: 'subscriberAnswer', sdp: answer.sdp });
              return;
            }
            const w = waiting.findIndex((x) => x.type === f.type);
            if (w >= 0) waiting.splice(w, 1)[0].resolve(f); else sfu.frames.push(f);
          };
          await next('join');
          if (publish) {
            const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
            send({ type: 'publishTrack', cid: stream.id, kind: 'video', source: 'camera' });
            const published = await next('trackPublished');
            const pub = sfu.pub = new RTCPeerConnection();
            pub.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly', streams: [stream] });
            const offer = await pub.createOffer();
            await pub.setLocalDescription(offer);
            send({ type: 'publisherOffer', sdp: offer.sdp.replaceAll(stream.id, published.track.sid) });
            const answer = await next('publisherAnswer');
            sfu.answer = answer.sdp;
            await pub.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
          }
          return 'ok';
        }
        """;

    [Fact]
    public async Task UdpToMediaPortBlocked_BothConnectionsUseIceTcp_VideoDecodes()
    {
        var mediaPort = Confer.Server.Hosting.ConferHost.Turn(_h.App).Primary.Port;
        await using var firewall = await UdpBlock.CloseAsync(mediaPort);
        var alice = await _h.NewPageAsync("/", bypassCsp: true);
        var bob = await _h.NewPageAsync("/", bypassCsp: true);
        await alice.EvaluateAsync<string>(Client, JsonSerializer.Serialize(new { token = Token("alice"), publish = true }));
        await bob.EvaluateAsync<string>(Client, JsonSerializer.Serialize(new { token = Token("bob"), publish = false }));
        Assert.Contains("tcptype passive", await alice.EvaluateAsync<string>("() => window.__sfu.answer"));

        await MeetingHarness.WaitForAsync(bob, """
            (async () => {
              const v = document.querySelector('video');
              return v && v.videoWidth > 0 && !v.paused ? true : null;
            })()
            """, TimeSpan.FromSeconds(30), "bob to decode alice's video through the SFU over ICE-TCP");
        var published = await alice.EvaluateAsync<JsonElement>("() => window.__sfu.selected(window.__sfu.pub)");
        var subscribed = await bob.EvaluateAsync<JsonElement>("() => window.__sfu.selected(window.__sfu.sub)");
        Assert.Equal("tcp", published.GetProperty("remote").GetString());
        Assert.Equal("tcp", subscribed.GetProperty("remote").GetString());
        Assert.Equal("passive", subscribed.GetProperty("tcpType").GetString());
        Assert.Equal(0, await alice.EvaluateAsync<int>("() => window.__sfu.errors.length"));
    }

    private static string Token(string identity) => AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, identity,
        new VideoGrant { Room = "sfu-ice-tcp", RoomJoin = true }, DateTimeOffset.UtcNow, TimeSpan.FromHours(1), identity);

    /// <summary>Drops UDP to the media port on the way out: one nftables table in the test's own namespace, removed on dispose.</summary>
    private sealed class UdpBlock : IAsyncDisposable
    {
        private readonly string _table = "confer_noudp_" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

        public static async Task<UdpBlock> CloseAsync(int port)
        {
            if (!ExternalCommand.Exists("nft")) throw new InvalidOperationException("nft is missing: apt-get install nftables (test.sh does it).");
            var block = new UdpBlock();
            await ExternalCommand.RunCheckedAsync("nft", $"add table inet {block._table}; " +
                $"add chain inet {block._table} out {{ type filter hook output priority 0; }}; " +
                $"add rule inet {block._table} out udp dport {port.ToString(CultureInfo.InvariantCulture)} drop");
            return block;
        }

        public async ValueTask DisposeAsync() => await ExternalCommand.RunAsync("nft", $"delete table inet {_table}");
    }
}
