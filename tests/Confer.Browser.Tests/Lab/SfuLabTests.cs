using System.Diagnostics;
using System.Text.Json;
using Confer.Browser.Tests.Infrastructure;
using Confer.Browser.Tests.Meeting;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Confer.Browser.Tests.Lab;

/// <summary>
/// Issue 14, item 2, "the same through the SFU": the lab's networks call through Confer's SFU (<see cref="SfuLabFixture"/>).
/// Each browser's media goes to the server, not to the other browser, so what matters is each side's path to the server:
/// a home and a hotel (whatever its NAT does to ports) reach the SFU's UDP candidate; the office, which lets out only
/// TCP 443, reaches it over ICE-TCP on the HTTPS port or through TURN over TLS on 443; the IPv6-only host reaches the
/// SFU's IPv6 candidate. Each side must decode the other's video, and the path read from its subscriber connection's
/// selected pair (named as the server's <c>mediaPath</c> names it: sfu-udp, sfu-tcp, sfu-turn) is printed in the matrix.
/// </summary>
[Collection(SfuLabCollection.Name)]
public sealed class SfuLabTests(SfuLabFixture lab, ITestOutputHelper output)
{
    private static readonly TimeSpan MediaTimeout = TimeSpan.FromSeconds(40);

    [Fact]
    public Task HomeAndOffice_ThroughTheSfu_HomeOverUdp_OfficeOverTcp443() =>
        CallAsync("home", lab.Home1.Host, LabFixture.Origin, "office", lab.Office.Host, LabFixture.Origin, "lab-sfu-home-office", (home, office) =>
        {
            Assert.Equal("sfu-udp", home.Path);
            Assert.EndsWith($"{LabFixture.Server}:3478", home.Remote, StringComparison.Ordinal);
            // Nothing but TCP to 443 leaves the office: ICE-TCP to the HTTPS port, or a TURN allocation over TLS on it.
            Assert.Contains(office.Path, (string[])["sfu-tcp", "sfu-turn"]);
            if (office.Path == "sfu-tcp") Assert.EndsWith($"{LabFixture.Server}:443", office.Remote, StringComparison.Ordinal);
            else Assert.Equal("tls", office.RelayProtocol);
        });

    [Fact]
    public Task HotelAndIpv6Only_ThroughTheSfu_BothOverUdp() =>
        CallAsync("hotel", lab.Hotel1.Host, LabFixture.Origin, "ipv6", lab.Ipv6Host, LabFixture.Ipv6Origin, "lab-sfu-hotel-ipv6", (hotel, six) =>
        {
            // A symmetric NAT breaks peer-to-peer hole punching, not a path to a server with a public address.
            Assert.Equal("sfu-udp", hotel.Path);
            Assert.EndsWith($"{LabFixture.Server}:3478", hotel.Remote, StringComparison.Ordinal);
            Assert.Equal("sfu-udp", six.Path);
            Assert.EndsWith($"[{LabFixture.ServerIpv6}]:3478", six.Remote, StringComparison.Ordinal); // the SFU's IPv6 candidate
        });

    /// <summary>One side's path to the SFU: its subscriber connection's selected pair.</summary>
    private sealed record Side(string Path, string Local, string Remote, string? RelayProtocol, long FramesDecoded, string Detail);

    private async Task CallAsync(string nameA, NetworkNamespace hostA, string originA, string nameB, NetworkNamespace hostB, string originB, string room,
        Action<Side, Side> expect)
    {
        var clock = Stopwatch.StartNew();
        var console = new List<string>();
        var launchA = lab.LaunchBrowserAsync(hostA);
        var launchB = lab.LaunchBrowserAsync(hostB);
        await using var browserA = await launchA;
        await using var browserB = await launchB;
        IPage? a = null, b = null;
        Side sideA, sideB;
        try
        {
            (a, var idA) = await LabFixture.JoinAsync(browserA, originA, room, $"{nameA}-a", console);
            (b, var idB) = await LabFixture.JoinAsync(browserB, originB, room, $"{nameB}-b", console);
            Assert.Equal("sfu", await a.EvaluateAsync<string>("() => window.__peer.room._describeEngine().topology"));
            await MeetingHarness.WaitForVideoFromAsync(a, MediaTimeout, idB);
            await MeetingHarness.WaitForVideoFromAsync(b, MediaTimeout, idA);
            await Task.Delay(1000); // a few more frames: "flowing", not "started"
            sideA = await PathAsync(a, idB);
            sideB = await PathAsync(b, idA);
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException or Xunit.Sdk.XunitException)
        {
            string pages = a is not null && b is not null ? await MeetingHarness.DescribeAsync(a, b) : "";
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{pages}\n--- browser ---\n{string.Join('\n', console.TakeLast(80))}\n--- server ---\n{lab.ServerOutput}");
        }
        string row = $"{nameA} ↔ {nameB} (SFU) : {nameA} {sideA.Path} ({sideA.Local}→{sideA.Remote}), {nameB} {sideB.Path} ({sideB.Local}→{sideB.Remote}); " +
                     $"frames {sideA.FramesDecoded} / {sideB.FramesDecoded} ({clock.Elapsed.TotalSeconds:0.0} s)";
        lock (lab.Matrix) lab.Matrix.Add(row);
        output.WriteLine(row);
        output.WriteLine($"{nameA} side:\n{sideA.Detail}\n{nameB} side:\n{sideB.Detail}");
        output.WriteLine($"--- matrix so far (lab set-up {lab.SetUpTime.TotalSeconds:0.0} s) ---");
        lock (lab.Matrix) foreach (var line in lab.Matrix) output.WriteLine(line);
        Assert.True(sideA.FramesDecoded > 0 && sideB.FramesDecoded > 0, row);
        expect(sideA, sideB);
    }

    /// <summary>The selected pair of the subscriber connection (which carries <paramref name="remote"/>'s video) and the frames decoded.</summary>
    private static async Task<Side> PathAsync(IPage page, string remote)
    {
        var found = await MeetingHarness.WaitForAsync(page, $"({SelectedPair})({JsonSerializer.Serialize(remote)})", TimeSpan.FromSeconds(15),
            $"a selected candidate pair toward the SFU for {remote}'s video");
        var videos = await page.EvaluateAsync<JsonElement>("() => window.__peer.videos()");
        long frames = videos.EnumerateArray().Where(v => v.GetProperty("identity").GetString() == remote).Sum(v => v.GetProperty("framesDecoded").GetInt64());
        string Text(string name) => found.GetProperty(name).ValueKind == JsonValueKind.String ? found.GetProperty(name).GetString()! : "";
        string local = Text("local"), protocol = Text("protocol"), relay = Text("relayProtocol");
        // As the SDK's mediaPath names it (client/sdk/stats.js): through TURN, else over TCP or UDP straight to the SFU.
        string path = local.StartsWith("relay", StringComparison.Ordinal) ? "sfu-turn" : protocol == "tcp" ? "sfu-tcp" : "sfu-udp";
        return new Side(path, local, Text("remote"), relay.Length > 0 ? relay : null, frames, "  " + string.Join("\n  ", found.GetProperty("pairs").EnumerateArray().Select(p => p.GetString())));
    }

    /// <summary>For one remote participant: the selected pair's local "type/protocol" and remote "address:port", and every pair ICE tried.</summary>
    private const string SelectedPair = """
        async (remote) => {
          const p = window.__peer.room.remoteParticipants.get(remote) ?? [...window.__peer.room.remoteParticipants.values()].find((x) => x.identity === remote);
          const report = await p?.getStats();
          if (!report) return null;
          const byId = new Map();
          report.forEach((s) => byId.set(s.id, s));
          const show = (c) => `${c?.address ?? c?.ip}:${c?.port}`.replace(/^([0-9a-f]*:[0-9a-f:]*):(\d+)$/, '[$1]:$2');
          const pairs = [...byId.values()].filter((s) => s.type === 'candidate-pair').map((s) => {
            const l = byId.get(s.localCandidateId), r = byId.get(s.remoteCandidateId);
            return `${l?.candidateType}/${l?.relayProtocol ?? l?.protocol} ${show(l)} -> ${r?.candidateType}/${r?.protocol} ${show(r)} ${s.state}${s.nominated ? " nominated" : ""} req=${s.requestsSent} resp=${s.responsesReceived} rreq=${s.requestsReceived}`;
          });
          for (const s of byId.values()) {
            if (s.type !== 'transport' || !s.selectedCandidatePairId) continue;
            const pair = byId.get(s.selectedCandidatePairId);
            const l = byId.get(pair?.localCandidateId), r = byId.get(pair?.remoteCandidateId);
            if (!l || !r) continue;
            return { local: `${l.candidateType}/${l.relayProtocol ?? l.protocol}`, protocol: l.protocol, relayProtocol: l.relayProtocol ?? null,
              remote: show(r), pairs };
          }
          return null;
        }
        """;
}
