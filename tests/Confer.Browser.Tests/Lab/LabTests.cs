using System.Diagnostics;
using System.Text.Json;
using Confer.Browser.Tests.Infrastructure;
using Confer.Browser.Tests.Meeting;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Confer.Browser.Tests.Lab;

/// <summary>
/// Issue 14, item 2: people on different kinds of networks join one Confer and see each other, and each call takes the
/// path its networks allow. Chromium runs inside each host namespace of the <see cref="LabFixture"/> (home behind an
/// endpoint-independent NAT, an office that lets out only TCP 443, a hotel behind a symmetric NAT), joins a room
/// over HTTPS with the SDK and a fake camera, and the test reads from getStats which candidate pair carries the
/// media. Every test prints its row of the path matrix (docs/connectivity.md, "The lab").
/// </summary>
[Collection(LabCollection.Name)]
public sealed class LabTests(LabFixture lab, ITestOutputHelper output)
{
    private static readonly TimeSpan MediaTimeout = TimeSpan.FromSeconds(40);

    [Fact]
    public Task HomeAndHome_ConnectWithoutTheRelay() =>
        CallAsync("home", lab.Home1.Host, "home", lab.Home2.Host, "lab-home-home", (a, b) =>
        {
            // Two endpoint-independent NATs: host ↔ server-reflexive (or peer-reflexive) candidates, no TURN.
            Assert.False(a.Relayed || b.Relayed, "two homes behind endpoint-independent NATs should connect without the relay");
            Assert.Contains(a.Remote, (string[])["srflx", "prflx"]);
            Assert.Contains(b.Remote, (string[])["srflx", "prflx"]);
        });

    [Fact]
    public Task HomeAndOffice_GoThroughTurnOverTlsOn443() =>
        CallAsync("home", lab.Home1.Host, "office", lab.Office.Host, "lab-home-office", (home, office) =>
        {
            // The office lets out nothing but TCP 443: its side must be a relay candidate reached over TLS on 443.
            Assert.Equal("relay", office.Local);
            Assert.Equal("tls", office.RelayProtocol);
            Assert.Contains($"turns:{LabFixture.Server}:443", office.LocalAddress, StringComparison.Ordinal); // the HTTPS port
            Assert.Equal("relay", home.Remote);
        });

    [Fact]
    public Task HomeAndUdp443Office_GoThroughTurnOverUdpOn443() =>
        CallAsync("home", lab.Home1.Host, "office443", lab.Office443.Host, "lab-home-office443", (home, office) =>
        {
            // This office lets out UDP and TCP to 443 only: with --turn-udp-port 443 its side is a relay allocated over
            // UDP on 443 (not TLS: UDP wins when it gets through), never on 3478.
            Assert.Equal("relay", office.Local);
            Assert.Equal("udp", office.RelayProtocol);
            Assert.Contains($"turn:{LabFixture.Server}:443?transport=udp", office.LocalAddress, StringComparison.Ordinal);
            Assert.Equal("relay", home.Remote);
        });

    [Fact]
    public async Task HomeAndOffice_WithStunOnly_SeeEachOtherButGetNoMedia()
    {
        // The negative control for the row above: without a relay the office firewall leaves no path for media, while
        // signaling (HTTPS on 443) still works. If this call got video, the office firewall would not be one.
        var clock = Stopwatch.StartNew();
        var console = new List<string>();
        string stunOnly = JsonSerializer.Serialize(new { rtcConfig = new { iceServers = new[] { new { urls = $"stun:{LabFixture.Server}:3478" } } } });
        var launchHome = lab.LaunchBrowserAsync(lab.Home1);
        var launchOffice = lab.LaunchBrowserAsync(lab.Office);
        await using var homeBrowser = await launchHome;
        await using var officeBrowser = await launchOffice;
        var (home, homeId) = await LabFixture.JoinAsync(homeBrowser, LabFixture.Origin, "lab-stun-only", "home-a", console, stunOnly);
        var (office, officeId) = await LabFixture.JoinAsync(officeBrowser, LabFixture.Origin, "lab-stun-only", "office-b", console, stunOnly);

        await MeetingHarness.WaitForAsync(home, $"window.__peer.remotes().includes({JsonSerializer.Serialize(officeId)})", TimeSpan.FromSeconds(15), "the office in the room");
        await MeetingHarness.WaitForAsync(office, $"window.__peer.remotes().includes({JsonSerializer.Serialize(homeId)})", TimeSpan.FromSeconds(15), "the home in the room");
        await Task.Delay(TimeSpan.FromSeconds(12)); // Chromium's ICE gives up on unanswered checks within about 10 s
        long homeFrames = await FramesFromAsync(home, officeId), officeFrames = await FramesFromAsync(office, homeId);
        Report($"home ↔ office : STUN only: frames {homeFrames} / {officeFrames} (negative control, {clock.Elapsed.TotalSeconds:0.0} s)");
        Assert.True(homeFrames == 0 && officeFrames == 0,
            $"with only STUN no media should pass the office firewall.\n{await MeetingHarness.DescribeAsync(home, office)}");
        // And not because nothing was tried: ICE found no working pair at all.
        foreach (var (page, remote) in new[] { (home, officeId), (office, homeId) })
        {
            var selected = await page.EvaluateAsync<string>(
                "async (id) => JSON.stringify((await window.__peer.paths()).find((p) => p.identity === id) ?? null)", remote);
            using var path = JsonDocument.Parse(selected);
            Assert.True(path.RootElement.ValueKind == JsonValueKind.Object, $"no peer connection toward {remote}: {selected}");
            Assert.True(path.RootElement.GetProperty("local").ValueKind == JsonValueKind.Null, $"a candidate pair was selected toward {remote}: {selected}");
            Assert.NotEmpty(path.RootElement.GetProperty("pairs").EnumerateArray()); // pairs were formed and checked
        }
    }

    [Fact]
    public Task HotelAndHotel_GoThroughTheRelay() =>
        CallAsync("hotel", lab.Hotel1.Host, "hotel", lab.Hotel2.Host, "lab-hotel-hotel", (a, b) =>
        {
            // Symmetric NATs map every destination to a new port: server-reflexive candidates do not work peer to peer.
            Assert.True(a.Relayed && b.Relayed, "two hotels behind symmetric NATs should need the relay");
            Assert.True(a.Local == "relay" || b.Local == "relay", "one side at least allocates on the relay");
        });

    [Fact]
    public Task Ipv6OnlyAndIpv4Home_MeetThroughTheDualStackRelay() =>
        CallAsync("ipv6", lab.Ipv6Host, "home", lab.Home2.Host, "lab-ipv6-home", (six, home) =>
        {
            // No address family in common: the IPv6-only side talks to the relay over IPv6 and its allocation relays to
            // the IPv4 world (RFC 8656: an IPv4 relayed address unless the client asks otherwise).
            Assert.True(six.Relayed && home.Relayed, "an IPv6-only host and an IPv4-only one can meet only through the relay");
            Assert.Equal("relay", six.Local);
            Assert.StartsWith($"{LabFixture.Server}:", six.LocalAddress, StringComparison.Ordinal);
            Assert.Contains($"[{LabFixture.ServerIpv6}]", six.LocalAddress, StringComparison.Ordinal); // allocated over IPv6
        }, originA: LabFixture.Ipv6Origin);

    [Fact]
    public async Task DiagFromTheOffice_ReportsUdpBlocked_AndTlsOn443Best()
    {
        var clock = Stopwatch.StartNew();
        await using var browser = await lab.LaunchBrowserAsync(lab.Office);
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, m) => { lock (console) console.Add(m.Text); };
        await page.GotoAsync($"{LabFixture.Origin}/diag");
        try
        {
            await page.WaitForSelectorAsync("[data-testid=diag-summary][data-best]:not([data-best=''])", new() { Timeout = 60_000 });
        }
        catch (TimeoutException)
        {
            throw new TimeoutException("the check did not finish in 60 s; page console:\n" + string.Join("\n", console));
        }
        var rows = (await page.EvaluateAsync<string[][]>(
            "() => [...document.querySelectorAll('#rows tr')].map(tr => [tr.dataset.check, tr.dataset.status, tr.children[2].textContent])"))
            .ToDictionary(r => r[0], r => (Status: r[1], Detail: r[2]));
        var best = await page.GetAttributeAsync("[data-testid=diag-summary]", "data-best") ?? "";
        var summary = await page.InnerTextAsync("[data-testid=diag-summary]");
        var report = $"best: {best}\nsummary: {summary}\n" + string.Join("\n", rows.Select(r => $"  {r.Key}: {r.Value.Status} — {r.Value.Detail}"));

        Report($"office /diag  : best {best}; " + string.Join(", ", rows.Select(r => $"{r.Key} {r.Value.Status}")) + $" ({clock.Elapsed.TotalSeconds:0.0} s)");
        output.WriteLine(report);
        Assert.Equal("turn-tls", best);
        Assert.True(Status("stun") == "failed", $"UDP (STUN) should be blocked from the office.\n{report}");
        Assert.True(Status("turn-udp") == "failed", $"TURN over UDP should be blocked from the office.\n{report}");
        Assert.True(Status("turn-tcp") == "failed", $"TURN over TCP to 3478 should be blocked from the office.\n{report}");
        Assert.True(Status("turn-tls") == "ok", $"TURN over TLS on 443 should work from the office.\n{report}");
        Assert.True(Status("media") == "ok", $"the media round trip should pass through the relay over TLS.\n{report}");
        Assert.Contains("UDP is blocked", summary, StringComparison.Ordinal);

        string Status(string id) => rows.TryGetValue(id, out var row) ? row.Status : "missing";
    }

    /// <summary>One side's selected candidate pair toward the other.</summary>
    private sealed record Side(string Local, string Remote, string? RelayProtocol, string LocalAddress, long FramesDecoded, string Detail)
    {
        public bool Relayed => Local == "relay" || Remote == "relay";

        /// <summary>The path as the server's mediaPath names it, with the candidate types.</summary>
        public string Path => Local == "relay" ? $"relay-{RelayProtocol}" : Remote == "relay" ? $"peer-relay ({Local}→relay)" : $"direct ({Local}→{Remote})";
    }

    private async Task CallAsync(string nameA, NetworkNamespace hostA, string nameB, NetworkNamespace hostB, string room, Action<Side, Side> expect,
        string? originA = null, string? originB = null)
    {
        var clock = Stopwatch.StartNew();
        var console = new List<string>();
        var launchA = lab.LaunchBrowserAsync(hostA);
        var launchB = lab.LaunchBrowserAsync(hostB);
        await using var browserA = await launchA;
        await using var browserB = await launchB;
        IPage a, b;
        string idA, idB;
        try
        {
            (a, idA) = await LabFixture.JoinAsync(browserA, originA ?? LabFixture.Origin, room, $"{nameA}-a", console);
            (b, idB) = await LabFixture.JoinAsync(browserB, originB ?? LabFixture.Origin, room, $"{nameB}-b", console);
        }
        catch (PlaywrightException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n--- browser ---\n{string.Join('\n', console)}\n--- server ---\n{lab.ServerOutput}");
        }

        Side sideA, sideB;
        try
        {
            await MeetingHarness.WaitForVideoFromAsync(a, MediaTimeout, idB);
            await MeetingHarness.WaitForVideoFromAsync(b, MediaTimeout, idA);
            sideA = await SelectedPathAsync(a, idB);
            sideB = await SelectedPathAsync(b, idA);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{await MeetingHarness.DescribeAsync(a, b)}\n--- browser ---\n{string.Join('\n', console)}\n--- server ---\n{lab.ServerOutput}");
        }

        string pair = $"{nameA} ↔ {nameB}";
        Report($"{pair,-13} : {nameA} {sideA.Path}, {nameB} {sideB.Path}; frames {sideA.FramesDecoded} / {sideB.FramesDecoded} ({clock.Elapsed.TotalSeconds:0.0} s)");
        output.WriteLine($"{nameA} side:\n{sideA.Detail}\n{nameB} side:\n{sideB.Detail}");
        expect(sideA, sideB);
    }

    /// <summary>Waits until the page has a selected candidate pair toward <paramref name="remote"/> and reads it with the frames decoded.</summary>
    private static async Task<Side> SelectedPathAsync(IPage page, string remote)
    {
        var found = await MeetingHarness.WaitForAsync(page,
            $"window.__peer.paths().then(ps => ps.find(p => p.identity === {JsonSerializer.Serialize(remote)} && p.local && p.remote) ?? null)",
            TimeSpan.FromSeconds(15), $"a selected candidate pair toward {remote}");
        await Task.Delay(1000); // let a few more frames arrive so the count says "flowing", not "started"
        long frames = await FramesFromAsync(page, remote);
        var localAddress = await page.EvaluateAsync<string>(SelectedLocalAddress, remote);
        return new Side(
            found.GetProperty("local").GetString()!,
            found.GetProperty("remote").GetString()!,
            found.GetProperty("relayProtocol").ValueKind == JsonValueKind.String ? found.GetProperty("relayProtocol").GetString() : null,
            localAddress,
            frames,
            "  local address: " + localAddress + "\n  sdk: " + found.GetProperty("sdk") + "\n  " + string.Join("\n  ", found.GetProperty("pairs").EnumerateArray().Select(p => p.GetString())));
    }

    private static async Task<long> FramesFromAsync(IPage page, string remote)
    {
        var videos = await page.EvaluateAsync<JsonElement>("() => window.__peer.videos()");
        return videos.EnumerateArray().Where(v => v.GetProperty("identity").GetString() == remote).Sum(v => v.GetProperty("framesDecoded").GetInt64());
    }

    /// <summary>The address and port of the selected pair's local candidate toward one remote participant, and the STUN/TURN URL that gave it.</summary>
    private const string SelectedLocalAddress = """
        async (remote) => {
          const p = window.__peer.room.remoteParticipants.get(remote) ?? [...window.__peer.room.remoteParticipants.values()].find((x) => x.identity === remote);
          const report = await p.getStats();
          const byId = new Map();
          report?.forEach((s) => byId.set(s.id, s));
          for (const s of byId.values()) {
            if (s.type !== 'transport' || !s.selectedCandidatePairId) continue;
            const local = byId.get(byId.get(s.selectedCandidatePairId)?.localCandidateId);
            if (local) return `${local.address ?? local.ip}:${local.port}` + (local.url ? ` from ${local.url}` : '');
          }
          return '';
        }
        """;

    private void Report(string row)
    {
        lock (lab.Matrix) lab.Matrix.Add(row);
        output.WriteLine(row);
        output.WriteLine($"--- matrix so far (lab set-up {lab.SetUpTime.TotalSeconds:0.0} s) ---");
        lock (lab.Matrix) foreach (var line in lab.Matrix) output.WriteLine(line);
    }
}
