using System.Collections;
using Microsoft.Playwright;

namespace Confer.Sfu.Tests.Sdp;

/// <summary>Browser tests run one at a time (shared TESTING.md: 2 cores, ~300 MiB per browser).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChromiumCollection
{
    public const string Name = "Sdp Chromium";
}

/// <summary>
/// Debian's headless Chromium through Playwright (its bundled driver, no download), with the WebRTC flags of
/// shared TESTING.md, one page at http://localhost/ served by Playwright itself (a secure context for
/// getUserMedia; no server, no network).
/// </summary>
internal sealed class SdpChromium : IAsyncDisposable
{
    public const string Launcher = "/usr/bin/chromium";

    private static readonly string[] Flags =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection",
        "--autoplay-policy=no-user-gesture-required",
    ];

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private SdpChromium(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
    }

    public IPage Page { get; }

    public static async Task<SdpChromium> StartAsync()
    {
        if (!File.Exists(Launcher)) throw new InvalidOperationException($"{Launcher} is missing: install Debian's chromium package (test.sh does).");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var environment = new Dictionary<string, string>();
            foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
            {
                if (entry.Key is string key && entry.Value is string value) environment[key] = value;
            }
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Launcher, Headless = true, Args = Flags, Env = environment, Timeout = 60_000,
            });
            var context = await browser.NewContextAsync();
            await context.GrantPermissionsAsync(["camera", "microphone"]);
            var page = await context.NewPageAsync();
            await page.RouteAsync("http://localhost/**", route => route.FulfillAsync(new RouteFulfillOptions
            {
                Status = 200, ContentType = "text/html", Body = "<!doctype html><title>sdp</title>",
            }));
            await page.GotoAsync("http://localhost/");
            page.SetDefaultTimeout(30_000);
            return new SdpChromium(playwright, browser, page);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates window.pub, an RTCPeerConnection sending fake audio and video (simulcast with <paramref name="rids"/>
    /// when given), optionally a canvas track standing in for a screen share and a data channel, and returns its
    /// offer after setLocalDescription.
    /// </summary>
    public Task<string> CreatePublisherOfferAsync(string[] rids, bool screen, bool data) =>
        Page.EvaluateAsync<string>("""
            async (config) => {
              const c = JSON.parse(config);
              const pc = new RTCPeerConnection();
              window.pub = pc;
              const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 1280, height: 720 } });
              pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendonly', streams: [stream] });
              const video = { direction: 'sendonly', streams: [stream] };
              if (c.rids.length > 0)
                video.sendEncodings = c.rids.map((rid, i) => ({ rid, scaleResolutionDownBy: 2 ** (c.rids.length - 1 - i) }));
              pc.addTransceiver(stream.getVideoTracks()[0], video);
              if (c.screen) {
                const canvas = document.createElement('canvas');
                canvas.width = 640; canvas.height = 360;
                canvas.getContext('2d').fillRect(0, 0, 10, 10);
                const screen = canvas.captureStream(5);
                pc.addTransceiver(screen.getVideoTracks()[0], { direction: 'sendonly', streams: [screen] });
              }
              if (c.data) pc.createDataChannel('data');
              const offer = await pc.createOffer();
              await pc.setLocalDescription(offer);
              return pc.localDescription.sdp;
            }
            """, System.Text.Json.JsonSerializer.Serialize(new { rids, screen, data }));

    /// <summary>window.pub.setRemoteDescription(answer); returns "ok" or the error's message.</summary>
    public Task<string> ApplyPublisherAnswerAsync(string answer) =>
        Page.EvaluateAsync<string>("""
            async (sdp) => {
              try {
                await window.pub.setRemoteDescription({ type: 'answer', sdp });
                return 'ok';
              } catch (e) { return 'error: ' + e.message; }
            }
            """, answer);

    /// <summary>
    /// Gives window.sub (created on first use) the SFU's offer, answers it, and returns the answer, or "error: ..."
    /// when Chromium refuses the offer.
    /// </summary>
    public Task<string> AnswerSubscriberOfferAsync(string offer) =>
        Page.EvaluateAsync<string>("""
            async (sdp) => {
              if (!window.sub) {
                window.sub = new RTCPeerConnection();
                window.subTracks = [];
                window.sub.ontrack = (e) => window.subTracks.push(e.transceiver.mid + ':' + e.track.kind + ':' + e.track.id);
              }
              try {
                await window.sub.setRemoteDescription({ type: 'offer', sdp });
                const answer = await window.sub.createAnswer();
                await window.sub.setLocalDescription(answer);
                return window.sub.localDescription.sdp;
              } catch (e) { return 'error: ' + e.message; }
            }
            """, offer);

    /// <summary>
    /// "mid:currentDirection:rids:codecs" of each of window.pub's transceivers after the answer: the rids left in the
    /// sender's encodings (Chromium drops simulcast layers the answer did not accept) and the negotiated codecs.
    /// </summary>
    public Task<string[]> PublisherTransceiversAsync() =>
        Page.EvaluateAsync<string[]>("""
            () => window.pub.getTransceivers().map(t => {
              const p = t.sender.getParameters();
              const rids = (p.encodings || []).map(e => e.rid || '').join(',');
              const codecs = (p.codecs || []).map(c => c.mimeType.split('/')[1]).join(',');
              return t.mid + ':' + t.currentDirection + ':' + rids + ':' + codecs;
            })
            """);

    /// <summary>"mid:kind:trackId" of each track event so far on window.sub.</summary>
    public Task<string[]> SubscriberTrackEventsAsync() => Page.EvaluateAsync<string[]>("() => window.subTracks");

    /// <summary>"mid:direction:currentDirection" of window.sub's transceivers.</summary>
    public Task<string[]> SubscriberTransceiversAsync() =>
        Page.EvaluateAsync<string[]>("() => window.sub.getTransceivers().map(t => t.mid + ':' + t.direction + ':' + t.currentDirection)");

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        _playwright.Dispose();
    }
}
