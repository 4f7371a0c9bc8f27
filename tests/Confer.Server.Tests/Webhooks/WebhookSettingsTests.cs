using System.Net;
using Confer.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Confer.Server.Tests.Webhooks;

/// <summary>--webhook, Webhooks:Urls and Webhooks:ApiKey: what is accepted, and the one sentence for what is not.</summary>
public sealed class WebhookSettingsTests
{
    private static (string? Problem, ServerOptions Options) Apply(params string[] args)
    {
        using var setup = new Confer.Server.Tests.Hosting.Configuration.Setup();
        var run = setup.Run(["--turn-only", .. args]);
        return (run.Problem, run.Options);
    }

    [Fact]
    public void WebhookFlag_Repeated_KeepsEveryUrlOnce()
    {
        var (problem, options) = Apply("--webhook", "https://a.example/hook", "--webhook", "http://10.0.0.2:8080/x?k=1", "--webhook", "https://a.example/hook");
        Assert.Null(problem);
        Assert.Equal(["https://a.example/hook", "http://10.0.0.2:8080/x?k=1"], options.Webhooks.Urls);
    }

    [Theory]
    [InlineData("ftp://files.example/hook")]
    [InlineData("example.org/hook")]
    [InlineData("file:///etc/passwd")]
    public void WebhookFlag_NotHttp_RefusedWithOneSentence(string url)
    {
        var (problem, _) = Apply("--webhook", url);
        Assert.Equal($"--webhook '{url}' must be an absolute http:// or https:// URL, like https://example.org/hooks/confer.", problem);
    }

    private static async Task<string> StartFailureAsync(string[] args, Action<ServerOptions>? configure = null)
    {
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, TurnTlsPort = 0, Dev = true };
        configure?.Invoke(options);
        await using var app = ConferHost.Build(options, args);
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        return Assert.Single(e.Failures);
    }

    [Fact]
    public async Task Configuration_UrlNotHttp_StopsTheServerWithOneSentence()
    {
        var failure = await StartFailureAsync(["--Webhooks:Urls:0=gopher://old.example/"]);
        Assert.Equal("Webhooks:Urls entry 'gopher://old.example/' must be an absolute http:// or https:// URL, like https://example.org/hooks/confer.", failure);
    }

    [Fact]
    public async Task Configuration_ApiKeyUnknown_StopsTheServerWithOneSentence()
    {
        var failure = await StartFailureAsync(["--Webhooks:Urls:0=http://127.0.0.1:9/hook", "--Webhooks:ApiKey=nosuchkey"]);
        Assert.Equal("Webhooks:ApiKey 'nosuchkey' is not one of the API keys; name a key given with --keys.", failure);
    }

    [Fact]
    public async Task Configuration_UrlsAndApiKey_AddToTheFlagsAndPickTheSigningKey()
    {
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, TurnTlsPort = 0, Dev = true };
        options.Signaling.Keys.Add("first", "first-secret-0123456789abcdefghijklmnop");
        options.Signaling.Keys.Add("second", "second-secret-0123456789abcdefghijklmno");
        options.Webhooks.Urls.Add("http://127.0.0.1:9/flag");
        await using var app = ConferHost.Build(options, ["--Webhooks:Urls:0=http://127.0.0.1:9/config", "--Webhooks:ApiKey=second"]);
        await app.StartAsync();
        Assert.Equal(["http://127.0.0.1:9/flag", "http://127.0.0.1:9/config"], options.Webhooks.Urls);
        Assert.Equal("second", options.Webhooks.ApiKey);
        await app.StopAsync();
    }

    [Fact]
    public async Task Configuration_UrlsAsOneString_AreSplit()
    {
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, TurnTlsPort = 0, Dev = true };
        await using var app = ConferHost.Build(options, ["--Webhooks:Urls=http://127.0.0.1:9/a, http://127.0.0.1:9/b"]);
        await app.StartAsync();
        Assert.Equal(["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"], options.Webhooks.Urls);
        await app.StopAsync();
    }
}

/// <summary>The real <c>confer serve</c> process: a bad --webhook or Webhooks:Urls stops it with one line and exit code 2.</summary>
public sealed class WebhookServeTests
{
    [Theory]
    [InlineData(new[] { "--webhook", "ftp://files.example/hook" }, null, "confer: --webhook 'ftp://files.example/hook' must be an absolute http:// or https:// URL, like https://example.org/hooks/confer.")]
    [InlineData(new string[0], "gopher://old.example/", "confer: Webhooks__Urls 'gopher://old.example/' must be an absolute http:// or https:// URL, like https://example.org/hooks/confer.")]
    public async Task Serve_BadWebhookUrl_StopsWithOneLine(string[] flags, string? environmentUrl, string expected)
    {
        var environment = environmentUrl is null ? null : new Dictionary<string, string> { ["Webhooks__Urls__0"] = environmentUrl };
        await using var serve = Confer.Server.Tests.Cli.ServeProcess.Start(
            ["--dev", "--bind", "127.0.0.1", "--http-port", "0", "--turn-port", "0", "--turn-tls-port", "0", .. flags], environment);
        Assert.Equal(2, await serve.ExitCodeAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(expected, Assert.Single(serve.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }
}
