using System.Collections;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright for .NET (its bundled driver; no <c>playwright install</c>), headless,
/// with the flags WebRTC needs (see shared TESTING.md). Optionally inside a network namespace: Playwright then
/// starts a two-line script that runs <c>ip netns exec NS /usr/lib/chromium/chromium</c>, and its pipe to the
/// browser survives the exec. Disposing closes the browser and removes the script.
/// </summary>
internal sealed class ChromiumSession : IAsyncDisposable
{
    /// <summary>Debian's launcher script (used outside namespaces).</summary>
    public const string LauncherPath = "/usr/bin/chromium";

    /// <summary>The real binary (used inside namespaces, where the launcher's environment set-up is not needed).</summary>
    public const string BinaryPath = "/usr/lib/chromium/chromium";

    /// <summary>Flags for WebRTC with fake devices, headless, and no background traffic.</summary>
    public static readonly IReadOnlyList<string> WebRtcArguments =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection",
        "--autoplay-policy=no-user-gesture-required",
    ];

    private readonly IPlaywright _playwright;
    private readonly string? _scriptDirectory;

    private ChromiumSession(IPlaywright playwright, IBrowser browser, string? scriptDirectory)
    {
        _playwright = playwright;
        Browser = browser;
        _scriptDirectory = scriptDirectory;
    }

    public IBrowser Browser { get; }

    /// <param name="networkNamespace">Run the browser inside this namespace; null for the test's own network.</param>
    /// <param name="environment">Variables set on top of the test's own environment (for example a private HOME,
    /// whose NSS database then decides which test certificates the browser trusts).</param>
    public static async Task<ChromiumSession> LaunchAsync(NetworkNamespace? networkNamespace = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (!File.Exists(LauncherPath) || !File.Exists(BinaryPath))
            throw new InvalidOperationException($"Chromium is not installed ({LauncherPath}, {BinaryPath}); test.sh installs Debian's chromium package.");

        string executable = LauncherPath;
        string? scriptDirectory = null;
        if (networkNamespace is not null)
        {
            if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("Network namespaces are Linux only.");
            scriptDirectory = Directory.CreateTempSubdirectory("confer-chromium-").FullName;
            executable = Path.Combine(scriptDirectory, "chromium-in-netns");
            await File.WriteAllTextAsync(executable, $"#!/bin/sh\nexec ip netns exec '{networkNamespace.Name}' {BinaryPath} \"$@\"\n");
            File.SetUnixFileMode(executable, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = executable,
                Headless = true,
                Args = WebRtcArguments,
                Env = CurrentEnvironment(environment), // Env replaces the whole environment: start from ours
                Timeout = 60_000,
            });
            return new ChromiumSession(playwright, browser, scriptDirectory);
        }
        catch
        {
            playwright.Dispose();
            if (scriptDirectory is not null) Directory.Delete(scriptDirectory, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// A context whose pages may use camera and microphone (fake devices). Chromium only enumerates every network
    /// interface for ICE when the page has that permission.
    /// </summary>
    public async Task<IBrowserContext> NewContextAsync()
    {
        var context = await Browser.NewContextAsync();
        await context.GrantPermissionsAsync(["camera", "microphone"]);
        return context;
    }

    /// <summary>
    /// A page at <c>http://localhost/</c> (a secure context) whose HTML Playwright serves itself, so a test
    /// needs no web server and the browser sends no HTTP request anywhere.
    /// </summary>
    public async Task<IPage> NewBlankSecurePageAsync(IBrowserContext context, string html = "<!doctype html><title>confer test</title>")
    {
        var page = await context.NewPageAsync();
        await page.RouteAsync("http://localhost/**", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 200,
            ContentType = "text/html",
            Body = html,
        }));
        await page.GotoAsync("http://localhost/");
        return page;
    }

    private static Dictionary<string, string> CurrentEnvironment(IReadOnlyDictionary<string, string>? extra = null)
    {
        var environment = new Dictionary<string, string>();
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && entry.Value is string value) environment[key] = value;
        }
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) environment[key] = value;
        return environment;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Browser.CloseAsync();
        }
        finally
        {
            _playwright.Dispose();
            if (_scriptDirectory is not null)
            {
                try { Directory.Delete(_scriptDirectory, recursive: true); } catch (IOException) { }
            }
        }
    }
}
