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
/// Breaks a running call of the lab and measures how long it takes to come back (issue 14, item 4), peer to peer
/// (<see cref="RecoveryTests"/>) or through the SFU (<see cref="SfuRecoveryTests"/>): one side's link goes down for five
/// seconds, or its address changes. The call must decode video again both ways within 10 s of the network being back,
/// with the same participants (no rejoin, same sids) and through an ICE restart. Each run prints its row of the matrix.
/// </summary>
internal sealed class LabRecovery(LabFixture lab, ITestOutputHelper output)
{
    private static readonly TimeSpan RecoveryLimit = TimeSpan.FromSeconds(10);
    /// <summary>How long the test watches for recovery before giving up (longer than the limit, so a slow recovery is measured, not cut).</summary>
    private static readonly TimeSpan RecoveryWatch = TimeSpan.FromSeconds(25);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);

    /// <summary><paramref name="a"/>'s host link goes down for five seconds, then up.</summary>
    public async Task LinkDownAsync(string nameA, NatHome a, string nameB, NatHome b, string room, string label = "")
    {
        await using var call = await LabCall.StartAsync(lab, nameA, a, nameB, b, room);
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
            await RecoveredAsync(call, before, clock, $"{nameA} ↔ {nameB}{label} : {nameA}'s link down {Outage.TotalSeconds:0} s");
        }
        finally
        {
            await a.Host.ExecAsync(TimeSpan.FromSeconds(5), "ip", "link", "set", "eth0", "up");
            await RouteAsync(a);
        }
    }

    /// <summary><paramref name="network"/>'s host gets a new address (the next one up) and loses its old one.</summary>
    public async Task AddressChangesAsync(string nameA, NatHome network, string nameB, NatHome b, string room, string label = "")
    {
        var bytes = network.HostAddress.GetAddressBytes();
        bytes[3]++;
        var moved = new IPAddress(bytes);
        await using var call = await LabCall.StartAsync(lab, nameA, network, nameB, b, room);
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
            await RecoveredAsync(call, before, clock, $"{nameA} ↔ {nameB}{label} : address {network.HostAddress} → {moved}");
        }
        finally
        {
            await network.Host.IpAsync("addr", "replace", $"{network.HostAddress}/24", "dev", "eth0");
            await network.Host.ExecAsync(TimeSpan.FromSeconds(5), "ip", "addr", "del", $"{moved}/24", "dev", "eth0");
            await RouteAsync(network);
        }
    }

    /// <summary>The host's route to the internet range, put back after its link or address changed.</summary>
    private static Task RouteAsync(NatHome network) =>
        network.Host.ExecAsync(TimeSpan.FromSeconds(5), "ip", "route", "replace", "198.19.0.0/24", "via", network.RouterLanAddress.ToString());

    /// <summary>
    /// Waits until both sides decode new frames again (measured from <paramref name="clock"/>'s start), then checks that
    /// nobody rejoined and that ICE was restarted or moved to another candidate pair.
    /// </summary>
    private async Task RecoveredAsync(LabCall call, LabSnapshot before, Stopwatch clock, string what)
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
        lock (lab.Matrix) lab.Matrix.Add(row);
        output.WriteLine(row);
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
}
