using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Confer.Browser.Tests.Meeting;
using Confer.Turn.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.Drain;

/// <summary>
/// Issue 16, items 6 and 9: a call on a real <c>confer</c> process that gets SIGTERM. The server tells both browsers to
/// reconnect and drains; a new process starts on the same ports with the same keys; both browsers join again by
/// themselves (nobody clicks) and decode each other's video again. The gaps are printed.
/// </summary>
public sealed class RestartRejoinTests : IAsyncLifetime
{
    private static readonly TimeSpan Media = TimeSpan.FromSeconds(20);
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium", Headless = true, Args = MeetingHarness.ChromiumArgs,
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.CloseAsync();
        _playwright.Dispose();
    }

    private static Task<ConferProcess> StartServerAsync(int httpPort, int turnPort) =>
        ConferProcess.StartAsync(new ConferProcessOptions
        {
            Dev = true, // the dev keys: a token from the first process is valid on the second
            HttpPort = httpPort,
            TurnPort = turnPort,
            ExtraArguments = ["--drain-timeout", "3s", "--turn-tls-port", "0"],
        });

    private async Task<(IPage Page, string Identity)> JoinAsync(int httpPort, string name)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { Permissions = ["camera", "microphone"], BypassCSP = true });
        var page = await context.NewPageAsync();
        page.Console += (_, m) => { if (m.Type is "error") Console.WriteLine($"[browser {name}] {m.Text}"); };
        await page.GotoAsync($"http://127.0.0.1:{httpPort}/healthz");
        await page.EvaluateAsync(PeerScript.Source);
        var identity = await page.EvaluateAsync<string>("([room, name]) => window.__peer.join(room, name, {})", new object[] { "restart", name });
        return (page, identity);
    }

    private static Task<long> FramesFromAsync(IPage page, string identity) =>
        page.EvaluateAsync<long>($"() => window.__peer.videos().then(v => v.filter(x => x.identity === {JsonSerializer.Serialize(identity)}).reduce((n, x) => n + x.framesDecoded, 0))");

    [Fact]
    public async Task Sigterm_DuringACall_BothRejoinTheRestartedServerByThemselves()
    {
        int http = FreePorts.FindTcp(IPAddress.Loopback), turn = FreePorts.FindRun(1, IPAddress.Loopback);
        var first = await StartServerAsync(http, turn);
        ConferProcess? second = null;
        try
        {
            var (a, alice) = await JoinAsync(http, "Alice");
            var (b, bob) = await JoinAsync(http, "Bob");
            await MeetingHarness.WaitForVideoFromAsync(b, Media, alice);
            await MeetingHarness.WaitForVideoFromAsync(a, Media, bob);
            var oldSid = await a.EvaluateAsync<string>("() => window.__peer.room.localParticipant.sid");

            var clock = Stopwatch.StartNew();
            Assert.Equal(0, (await ExternalCommand.RunAsync("kill", "-s", "TERM", first.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture))).ExitCode);
            foreach (var page in new[] { a, b })
                await MeetingHarness.WaitForAsync(page, "window.__peer.events.some(e => e.ev === 'reconnecting' && e.arg === 'serverRestart')",
                    TimeSpan.FromSeconds(5), "the SDK to hear that the server restarts");
            var told = clock.Elapsed;
            var framesAtTerm = await FramesFromAsync(b, alice);

            // The old process drains (3 s: the call goes on peer to peer meanwhile), then exits.
            var deadline = Stopwatch.StartNew();
            while (!first.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(50);
            Assert.True(first.HasExited, $"the first confer did not exit.\n{first.Output}");
            var exited = clock.Elapsed;
            Assert.Contains("stopping gracefully", first.Output);
            var framesDuringDrain = await FramesFromAsync(b, alice) - framesAtTerm;

            // A new process on the same ports, as systemd's restart would start it.
            second = await StartServerAsync(http, turn);
            var up = clock.Elapsed;

            foreach (var page in new[] { a, b })
                await MeetingHarness.WaitForAsync(page, "window.__peer.count('reconnected') >= 1 && window.__peer.room.state === 'connected'",
                    TimeSpan.FromSeconds(20), "the SDK back in the room on the new server");
            var rejoined = clock.Elapsed;
            await MeetingHarness.WaitForVideoFromAsync(b, Media, alice);
            await MeetingHarness.WaitForVideoFromAsync(a, Media, bob);
            var decoding = clock.Elapsed;

            Console.WriteLine($"restart during a call: clients told {told.TotalMilliseconds:0} ms after SIGTERM; {framesDuringDrain} frames from Alice decoded by Bob during the drain; " +
                $"old process exited at {exited.TotalSeconds:0.00} s; new one up at {up.TotalSeconds:0.00} s; both rejoined at {rejoined.TotalSeconds:0.00} s " +
                $"({(rejoined - up).TotalSeconds:0.00} s after it was up); video decoding both ways again at {decoding.TotalSeconds:0.00} s " +
                $"({(decoding - up).TotalSeconds:0.00} s after the new server was up)");

            foreach (var page in new[] { a, b })
                Assert.Equal(0, await page.EvaluateAsync<int>("() => window.__peer.count('disconnected')"));
            Assert.NotEqual(oldSid, await a.EvaluateAsync<string>("() => window.__peer.room.localParticipant.sid"));
            Assert.Equal(2, await b.EvaluateAsync<int>($"() => window.__peer.room.remoteParticipants.get('{alice}').trackPublications.size"));
            Assert.Equal(2, await a.EvaluateAsync<int>("() => window.__peer.room.localParticipant.trackPublications.size"));
        }
        finally
        {
            await first.DisposeAsync();
            if (second is not null) await second.DisposeAsync();
        }
    }
}
