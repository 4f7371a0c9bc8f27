using System.Net;
using System.Text.Json;
using Confer.Server.Hosting;
using Microsoft.AspNetCore.Builder;
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

    /// <summary>Chromium flags for WebRTC with fake devices on a loopback-only machine (docs: TESTING.md).</summary>
    public static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection",
        "--autoplay-policy=no-user-gesture-required", "--auto-select-desktop-capture-source=Entire screen",
    ];

    public static async Task<MeetingHarness> StartAsync(Action<ServerOptions>? configure = null)
    {
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, Dev = true };
        configure?.Invoke(options);
        var app = ConferHost.Build(options, ["--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ChromiumArgs,
        });
        return new MeetingHarness(app, playwright, browser);
    }

    /// <summary>A new person: own context (cookies, permissions), camera and microphone granted unless told otherwise.</summary>
    public async Task<IPage> NewPageAsync(string path = "/", string[]? permissions = null, int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Permissions = permissions ?? ["camera", "microphone"],
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        page.Console += (_, m) => { if (m.Type is "error" or "warning") Console.WriteLine($"[browser {m.Type}] {m.Text}"); };
        await page.GotoAsync(BaseUrl + path);
        return page;
    }

    /// <summary>A page with the test helper loaded, joined to <paramref name="room"/> as <paramref name="name"/>.</summary>
    public async Task<(IPage Page, string Identity)> JoinAsync(string room, string name, object? options = null, string[]? permissions = null)
    {
        var page = await NewPageAsync("/healthz", permissions);
        await page.EvaluateAsync(PeerScript.Source);
        var identity = await page.EvaluateAsync<string>(
            "([room, name, opts]) => window.__peer.join(room, name, JSON.parse(opts))",
            new object[] { room, name, JsonSerializer.Serialize(options ?? new { }) });
        return (page, identity);
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
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}. Last value: {last.GetProperty("v")}");
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
        _playwright.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
