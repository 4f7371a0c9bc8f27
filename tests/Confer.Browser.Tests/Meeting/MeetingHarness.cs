using System.Net;
using System.Text.Json;
using Confer.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.Meeting;

/// <summary>
/// One Confer server started in-process on loopback (dev mode: POST /api/token works) and one
/// headless Chromium with fake camera and microphone. Each <see cref="NewPageAsync"/> is a separate
/// browser context, i.e. a separate person.
/// </summary>
public sealed class MeetingHarness : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IPlaywright _playwright;
    private readonly List<IBrowserContext> _contexts = [];

    private MeetingHarness(WebApplication app, IPlaywright playwright, IBrowser browser)
    {
        _app = app;
        _playwright = playwright;
        Browser = browser;
        BaseUrl = ConferHost.HttpAddress(app).ToString().TrimEnd('/');
    }

    public string BaseUrl { get; }
    public IBrowser Browser { get; }
    public WebApplication App => _app;

    /// <summary>The server's metrics as Prometheus text, straight from its registry.</summary>
    public async Task<string> ScrapeMetricsAsync()
    {
        using var stream = new MemoryStream();
        await _app.Services.GetRequiredService<Confer.Server.Hosting.MetricsRegistry>().Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Chromium flags for WebRTC with fake devices on a loopback-only machine (docs: TESTING.md).</summary>
    public static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection",
        "--autoplay-policy=no-user-gesture-required", "--auto-select-desktop-capture-source=Entire screen",
    ];

    /// <param name="withTurn">
    /// Hand out Confer's own STUN/TURN in <c>join</c>. With TurnPort 0 the TURN listener picks a free
    /// port at build time; the join's iceServers are made from <c>ServerOptions.TurnPort</c>, so the
    /// bound port is written back there.
    /// </param>
    /// <param name="config">Extra configuration, e.g. <c>--Signaling:ResumeGrace=00:00:01</c>.</param>
    public static Task<MeetingHarness> StartAsync(bool withTurn = false, params string[] config) => StartAsync(null, withTurn, config);

    /// <param name="configure">Changes to the server's options before it is built (e.g. the topology).</param>
    public static async Task<MeetingHarness> StartAsync(Action<ServerOptions>? configure, bool withTurn = false, params string[] config)
    {
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, Dev = true };
        configure?.Invoke(options);
        var app = ConferHost.Build(options, ["--Logging:LogLevel:Default=Warning", .. config]);
        if (withTurn) options.TurnPort = app.Services.GetRequiredService<Confer.Server.Turn.TurnEndpoints>().Port;
        await app.StartAsync();
        var playwright = await Playwright.CreateAsync();
        var browser = await LaunchAsync(playwright, ChromiumArgs);
        return new MeetingHarness(app, playwright, browser);
    }

    private static Task<IBrowser> LaunchAsync(IPlaywright playwright, string[] args) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = args });

    private IBrowser? _askingBrowser;

    /// <summary>
    /// A second Chromium without <c>--use-fake-ui-for-media-stream</c>, so permissions are what the
    /// context says: a device not granted (or denied) fails like a person clicking Block.
    /// </summary>
    private async Task<IBrowser> AskingBrowserAsync() =>
        _askingBrowser ??= await LaunchAsync(_playwright, [.. ChromiumArgs.Where(a => a != "--use-fake-ui-for-media-stream")]);

    /// <summary>A new person: own context. Camera and microphone granted; with <paramref name="permissions"/>, only those (in a browser that does not auto-accept).</summary>
    /// <param name="bypassCsp">
    /// Ignore the server's Content-Security-Policy: for pages that drive the SDK directly and point it at proxies on other
    /// ports, which the app's <c>connect-src 'self'</c> rightly refuses. The app's own pages run under the policy.
    /// </param>
    public async Task<IPage> NewPageAsync(string path = "/", string[]? permissions = null, int width = 1280, int height = 800, bool bypassCsp = false)
    {
        var browser = permissions is null ? Browser : await AskingBrowserAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            Permissions = permissions ?? ["camera", "microphone"],
            ViewportSize = new ViewportSize { Width = width, Height = height },
            BypassCSP = bypassCsp,
        });
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        page.Console += (_, m) => { if (m.Type is "error" or "warning") Console.WriteLine($"[browser {m.Type}] {m.Text}"); };
        await page.GotoAsync(BaseUrl + path);
        return page;
    }

    /// <summary>A page with the test helper loaded, joined to <paramref name="room"/> as <paramref name="name"/>.</summary>
    /// <param name="beforeJoin">A JS function evaluated after the helper loads, before joining (e.g. to set <c>window.__peer.engine</c>).</param>
    public async Task<(IPage Page, string Identity)> JoinAsync(string room, string name, object? options = null, string[]? permissions = null, bool denyCamera = false, string? beforeJoin = null)
    {
        var page = await NewPageAsync("/healthz", permissions, bypassCsp: true);
        if (denyCamera) await DenyCameraAsync(page);
        await page.EvaluateAsync(PeerScript.Source);
        if (beforeJoin is not null) await page.EvaluateAsync(beforeJoin);
        var identity = await page.EvaluateAsync<string>(
            "([room, name, opts]) => window.__peer.join(room, name, JSON.parse(opts))",
            new object[] { room, name, JsonSerializer.Serialize(options ?? new { }) });
        return (page, identity);
    }

    /// <summary>Sets the camera permission of the page's origin to "denied", as a person clicking Block would.</summary>
    public static async Task DenyCameraAsync(IPage page)
    {
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Browser.setPermission", new Dictionary<string, object>
        {
            ["permission"] = new Dictionary<string, object> { ["name"] = "camera" },
            ["setting"] = "denied",
            ["origin"] = new Uri(page.Url).GetLeftPart(UriPartial.Authority),
        });
    }

    /// <summary>The SDK state of each page (peers, transceivers, counters), for failure messages.</summary>
    public static async Task<string> DescribeAsync(params IPage[] pages)
    {
        var parts = new List<string>();
        foreach (var page in pages)
            parts.Add(await page.EvaluateAsync<string>("() => window.__peer ? window.__peer.debug() : window.conferRoom ? (" + PeerScript.DebugFunction + ")(window.conferRoom) : 'no room'"));
        return string.Join("\n", parts);
    }

    /// <summary>Evaluates <paramref name="expression"/> every 200 ms until it is truthy; fails with its last value.</summary>
    public static async Task<JsonElement> WaitForAsync(IPage page, string expression, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement last = default;
        while (true)
        {
            last = await page.EvaluateAsync<JsonElement>($"async () => {{ const v = await ({expression}); return {{ ok: !!v, v: v ?? null }}; }}");
            if (last.GetProperty("ok").GetBoolean()) return last.GetProperty("v");
            if (DateTime.UtcNow > deadline)
            {
                var debug = await page.EvaluateAsync<string>("() => window.__peer ? window.__peer.debug() : window.conferRoom ? (" + PeerScript.DebugFunction + ")(window.conferRoom) : ''");
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}. Last value: {last.GetProperty("v")}. State: {debug}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>Waits until this page decodes video from each of <paramref name="identities"/> (frames decoded and a sized element).</summary>
    public static Task<JsonElement> WaitForVideoFromAsync(IPage page, TimeSpan timeout, params string[] identities) =>
        WaitForAsync(page,
            $"window.__peer.videos().then(v => {{ const want = {JsonSerializer.Serialize(identities)}; " +
            "return want.every(id => v.some(x => x.identity === id && x.source === 'camera' && x.framesDecoded > 0 && x.width > 0)) ? v : null; })",
            timeout, $"decoded camera video from {string.Join(", ", identities)}");

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _contexts)
        {
            try { await c.CloseAsync(); } catch (PlaywrightException) { }
        }
        await Browser.CloseAsync();
        if (_askingBrowser is not null) await _askingBrowser.CloseAsync();
        _playwright.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
