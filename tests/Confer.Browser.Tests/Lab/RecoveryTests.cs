using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Confer.Browser.Tests.Infrastructure;
using Confer.Browser.Tests.Meeting;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Confer.Browser.Tests.Lab;

/// <summary>
/// Issue 14, item 4 (peer to peer): a call in the lab is up with decoded video both ways, then one side's network
/// changes under it — its link goes down for five seconds and comes back, or its address changes — and the call must
/// come back by itself within 10 s: the same participants (no rejoin, same sids), through an ICE restart, with frames
/// decoding again both ways. Each test prints the measured recovery time (network back → frames decoding again) as a
/// row of the lab's matrix (docs/connectivity.md, "The lab").
/// </summary>
[Collection(LabCollection.Name)]
public sealed class RecoveryTests(LabFixture lab, ITestOutputHelper output)
{
    private static readonly TimeSpan MediaTimeout = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan RecoveryLimit = TimeSpan.FromSeconds(10);
    /// <summary>How long the test watches for recovery before giving up (longer than the limit, so a slow recovery is measured, not cut).</summary>
    private static readonly TimeSpan RecoveryWatch = TimeSpan.FromSeconds(25);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);

    [Fact]
    public Task HomeAndHome_LinkDownFiveSeconds_RecoversWithinTenSeconds() =>
        LinkDownAsync("home", lab.Home1, "home", lab.Home2, "lab-recover-home-link");

    [Fact]
    public Task HotelAndHotel_LinkDownFiveSeconds_RecoversThroughTheRelayWithinTenSeconds() =>
        LinkDownAsync("hotel", lab.Hotel1, "hotel", lab.Hotel2, "lab-recover-hotel-link");

    [Fact]
    public async Task HomeAndHome_AddressChanges_RecoversWithinTenSeconds()
    {
        var network = lab.Home1;
        var bytes = network.HostAddress.GetAddressBytes();
        bytes[3]++;
        var moved = new IPAddress(bytes);
        await using var call = await Call.StartAsync(lab, "home", network, "home", lab.Home2, "lab-recover-home-address");
        try
        {
            var before = await call.SnapshotAsync();
            // Deleting the primary address of a subnet deletes its secondaries too unless they are promoted.
            await network.Host.SetSysctlAsync("net/ipv4/conf/eth0/promote_secondaries", "1");
            await call.MarkAsync("address changes");
            var clock = Stopwatch.StartNew();
            await network.Host.IpAsync("addr", "add", $"{moved}/24", "dev", "eth0");
            await network.Host.IpAsync("addr", "del", $"{network.HostAddress}/24", "dev", "eth0");
            await RouteAsync(network);
            await RecoveredAsync(call, before, clock, $"home ↔ home : address {network.HostAddress} → {moved}");
        }
        finally
        {
            await network.Host.IpAsync("addr", "replace", $"{network.HostAddress}/24", "dev", "eth0");
            await network.Host.ExecAsync(TimeSpan.FromSeconds(5), "ip", "addr", "del", $"{moved}/24", "dev", "eth0");
            await RouteAsync(network);
        }
    }

    private async Task LinkDownAsync(string nameA, NatHome a, string nameB, NatHome b, string room)
    {
        await using var call = await Call.StartAsync(lab, nameA, a, nameB, b, room);
        try
        {
            var before = await call.SnapshotAsync();
            await call.MarkAsync("link down");
            await a.Host.IpAsync("link", "set", "eth0", "down");
            await Task.Delay(Outage);
            await a.Host.IpAsync("link", "set", "eth0", "up");
            var clock = Stopwatch.StartNew();
            await RouteAsync(a);
            await call.MarkAsync("link up"); // a link going down takes its gateway routes with it
            await RecoveredAsync(call, before, clock, $"{nameA} ↔ {nameB} : {nameA}'s link down {Outage.TotalSeconds:0} s");
        }
        finally
        {
            await a.Host.ExecAsync(TimeSpan.FromSeconds(5), "ip", "link", "set", "eth0", "up");
            await RouteAsync(a);
        }
    }

    /// <summary>The host's route to the internet range, put back after its link or address changed.</summary>
    private static Task RouteAsync(NatHome network) =>
        network.Host.ExecAsync(TimeSpan.FromSeconds(5), "ip", "route", "replace", "198.19.0.0/24", "via", network.RouterLanAddress.ToString());

    /// <summary>
    /// Waits until both sides decode new frames again (measured from <paramref name="clock"/>'s start), then checks that
    /// nobody rejoined and that ICE was restarted or moved to another candidate pair.
    /// </summary>
    private async Task RecoveredAsync(Call call, Snapshot before, Stopwatch clock, string what)
    {
        var framesAtStart = (A: await FramesFromAsync(call.A, call.IdB), B: await FramesFromAsync(call.B, call.IdA));
        TimeSpan? backA = null, backB = null;
        while ((backA is null || backB is null) && clock.Elapsed < RecoveryWatch)
        {
            // Frames that were decoding when the network came back are not "again": a few more must follow.
            if (backA is null && await FramesFromAsync(call.A, call.IdB) > framesAtStart.A + 3) backA = clock.Elapsed;
            if (backB is null && await FramesFromAsync(call.B, call.IdA) > framesAtStart.B + 3) backB = clock.Elapsed;
            await Task.Delay(100);
        }
        var after = await call.SnapshotAsync();
        string Seconds(TimeSpan? t) => t is { } v ? v.TotalSeconds.ToString("0.0 's'", CultureInfo.InvariantCulture) : "never";
        string row = $"{what} → video back in {Seconds(backA)} / {Seconds(backB)}; ICE restarts {before.Restarts} → {after.Restarts}; " +
                     $"pair {before.Pair} → {after.Pair}";
        Report(row);
        var timelines = await call.TimelinesAsync();
        if (backA is null || backB is null)
        {
            foreach (var (name, page) in new[] { ("A", call.A), ("B", call.B) })
                output.WriteLine($"{name} fetch /healthz: " + await page.EvaluateAsync<string>(
                    "() => Promise.race([fetch('/healthz').then((r) => `status ${r.status}`, (e) => `error ${e}`), new Promise((r) => setTimeout(() => r('no answer in 3 s'), 3000))])"));
        }
        output.WriteLine(timelines);
        string detail = $"{row}\n{timelines}\nbefore: {before}\nafter: {after}\n{await MeetingHarness.DescribeAsync(call.A, call.B)}\n--- browser ---\n{call.Console}\n--- server (last lines) ---\n{string.Join('\n', lab.ServerOutput.Split('\n').TakeLast(60))}";
        Assert.True(backA is { } ra && ra <= RecoveryLimit && backB is { } rb && rb <= RecoveryLimit,
            $"the call should decode video again both ways within {RecoveryLimit.TotalSeconds:0} s.\n{detail}");
        Assert.True(before.Sids == after.Sids, $"nobody should rejoin (same participant sids).\n{detail}");
        Assert.True(after.Restarts > before.Restarts || after.Pair != before.Pair, $"recovery should go through an ICE restart.\n{detail}");
    }

    private static async Task<long> FramesFromAsync(IPage page, string remote)
    {
        var videos = await page.EvaluateAsync<JsonElement>("() => window.__peer.videos()");
        return videos.EnumerateArray().Where(v => v.GetProperty("identity").GetString() == remote).Sum(v => v.GetProperty("framesDecoded").GetInt64());
    }

    private void Report(string row)
    {
        lock (lab.Matrix) lab.Matrix.Add(row);
        output.WriteLine(row);
    }

    /// <summary>Who is who on both pages (local and remote sids), the engine's ICE restarts, and each side's selected pair.</summary>
    private sealed record Snapshot(string Sids, int Restarts, string Pair);

    /// <summary>Two browsers in a call, each inside its own lab network.</summary>
    private sealed class Call : IAsyncDisposable
    {
        private readonly List<string> _console = [];
        private ChromiumSession? _browserA, _browserB;

        public IPage A { get; private set; } = null!;
        public IPage B { get; private set; } = null!;
        public string IdA { get; private set; } = "";
        public string IdB { get; private set; } = "";
        public string Console { get { lock (_console) return string.Join('\n', _console.TakeLast(80)); } }

        public static async Task<Call> StartAsync(LabFixture lab, string nameA, NatHome a, string nameB, NatHome b, string room)
        {
            var call = new Call();
            try
            {
                var launchA = lab.LaunchBrowserAsync(a);
                var launchB = lab.LaunchBrowserAsync(b);
                call._browserA = await launchA;
                call._browserB = await launchB;
                (call.A, call.IdA) = await LabFixture.JoinAsync(call._browserA, LabFixture.Origin, room, $"{nameA}-a", call._console);
                (call.B, call.IdB) = await LabFixture.JoinAsync(call._browserB, LabFixture.Origin, room, $"{nameB}-b", call._console);
                await MeetingHarness.WaitForVideoFromAsync(call.A, MediaTimeout, call.IdB);
                await MeetingHarness.WaitForVideoFromAsync(call.B, MediaTimeout, call.IdA);
                await Task.Delay(1000); // flowing, not just started
                foreach (var page in (IPage[])[call.A, call.B]) await page.EvaluateAsync(Timeline);
                return call;
            }
            catch (Exception e) when (e is PlaywrightException or Xunit.Sdk.XunitException)
            {
                string console = call.Console;
                await call.DisposeAsync();
                throw new Xunit.Sdk.XunitException($"the call did not start: {e.Message}\n--- browser ---\n{console}\n--- server ---\n{lab.ServerOutput}");
            }
        }

        /// <summary>Writes a step of the test into both pages' timelines.</summary>
        public async Task MarkAsync(string what)
        {
            foreach (var page in (IPage[])[A, B])
                await page.EvaluateAsync("(w) => window.__timeline.push(`+${Math.round(performance.now() - window.__timelineStart)}ms [${w}]`)", what);
        }

        /// <summary>What each page's SDK went through, as "+ms state" steps since the timeline started.</summary>
        public async Task<string> TimelinesAsync() =>
            $"A: {await A.EvaluateAsync<string>("() => window.__timeline.join(' ')")}\nB: {await B.EvaluateAsync<string>("() => window.__timeline.join(' ')")}";

        /// <summary>Records every change of the room's state and of each peer connection's ICE, connection and signaling state.</summary>
        private const string Timeline = """
            () => {
              const start = window.__timelineStart = performance.now();
              window.__timeline = [];
              let last = '';
              setInterval(() => {
                const room = window.__peer.room;
                const engine = room._describeEngine?.() ?? {};
                const now = `room=${room.state} ` + Object.values(engine).map((p) => `ice=${p.ice} pc=${p.pc} sig=${p.sig} restarts=${p.restarts}`).join(' ');
                if (now !== last && window.__timeline.length < 200) window.__timeline.push(`+${Math.round(performance.now() - start)}ms ${now};`);
                last = now;
              }, 50);
            }
            """;

        public async Task<Snapshot> SnapshotAsync()
        {
            var a = await ReadAsync(A);
            var b = await ReadAsync(B);
            return new Snapshot($"{a.GetProperty("sids").GetString()} | {b.GetProperty("sids").GetString()}",
                a.GetProperty("restarts").GetInt32() + b.GetProperty("restarts").GetInt32(),
                $"{a.GetProperty("pair").GetString()} | {b.GetProperty("pair").GetString()}");
        }

        private static Task<JsonElement> ReadAsync(IPage page) => page.EvaluateAsync<JsonElement>("""
            async () => {
              const room = window.__peer.room;
              const engine = room._describeEngine?.() ?? {};
              let restarts = 0;
              for (const p of Object.values(engine)) restarts += p.restarts ?? 0;
              let pair = '';
              for (const p of room.remoteParticipants.values()) {
                const report = await p.getStats();
                const byId = new Map();
                report?.forEach((s) => byId.set(s.id, s));
                for (const s of byId.values()) {
                  if (s.type !== 'transport' || !s.selectedCandidatePairId) continue;
                  const sel = byId.get(s.selectedCandidatePairId);
                  const l = byId.get(sel?.localCandidateId), r = byId.get(sel?.remoteCandidateId);
                  pair += `${l?.candidateType}:${l?.address}:${l?.port}->${r?.candidateType}:${r?.address}:${r?.port}`;
                }
              }
              const sids = [room.localParticipant.sid, ...[...room.remoteParticipants.values()].map((p) => p.sid).sort()].join(',');
              return { sids, restarts, pair: pair || 'none' };
            }
            """);

        public async ValueTask DisposeAsync()
        {
            if (_browserA is not null) await _browserA.DisposeAsync();
            if (_browserB is not null) await _browserB.DisposeAsync();
            (_browserA, _browserB) = (null, null);
        }
    }
}
