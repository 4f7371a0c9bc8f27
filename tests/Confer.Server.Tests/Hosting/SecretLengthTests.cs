using System.Net;
using Confer.Server.Hosting;
using Confer.Server.Tests.Cli;
using Microsoft.Extensions.Options;

namespace Confer.Server.Tests.Hosting;

/// <summary>
/// Issue 13, item 8: every participant holds a token signed with an API secret (and TURN credentials are HMACs of
/// the TURN secret), so outside --dev a secret shorter than 32 characters, brute-forceable offline, stops the start
/// with one sentence that says how to make a good one. Each place a secret comes from is tried.
/// </summary>
public sealed class SecretLengthTests
{
    private const string Long = "0123456789abcdef0123456789abcdef"; // exactly 32

    public static TheoryData<string, string[], string?, string?> ShortSecrets() => new()
    {
        { "--keys", ["--keys", "k: tooshort"], null, null },
        { "CONFER_KEYS", [], "CONFER_KEYS", "k: tooshort" },
        { "Signaling:Keys", [], "Signaling__Keys", "k: tooshort" },
        { "--turn-secret", ["--keys", $"k: {Long}", "--turn-secret", "tooshort"], null, null },
        { "31 characters", ["--keys", $"k: {Long[..31]}"], null, null },
    };

    [Theory]
    [MemberData(nameof(ShortSecrets))]
    public async Task Serve_ShortSecret_StopsWithHowToMakeOne(string source, string[] arguments, string? variable, string? value)
    {
        var environment = variable is null ? null : new Dictionary<string, string> { [variable] = value! };
        await using var serve = ServeProcess.Start([.. arguments, "--bind", "127.0.0.1", "--http-port", "0", "--turn-port", "0"], environment);
        Assert.Equal(2, await serve.ExitCodeAsync(TimeSpan.FromSeconds(60)));
        var line = Assert.Single(serve.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("confer: ", line);
        Assert.True(line.Contains("at least 32", StringComparison.Ordinal) && line.Contains("openssl rand -base64 32", StringComparison.Ordinal),
            $"a secret from {source}: {line}");
        Assert.DoesNotContain("tooshort", line); // a secret is never printed
    }

    [Fact]
    public async Task Serve_SecretsOf32Characters_Start()
    {
        await using var serve = ServeProcess.Start(["--keys", $"k: {Long}", "--turn-secret", Long,
            "--bind", "127.0.0.1", "--http-port", "0", "--turn-port", "0"]);
        await serve.WaitListeningAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("", serve.Stderr.Trim());
    }

    [Fact]
    public async Task ServeDev_ShortSecret_IsAllowed()
    {
        await using var serve = ServeProcess.Start(["--dev", "--keys", "k: short", "--http-port", "0", "--turn-port", "0", "--turn-tls-port", "0"]);
        await serve.WaitListeningAsync(TimeSpan.FromSeconds(60));
    }

    [Theory]
    [InlineData("short", Long)]
    [InlineData(Long, "short")]
    public void Build_ShortApiOrTurnSecret_Throws(string apiSecret, string turnSecret)
    {
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, TurnSecret = turnSecret };
        options.Signaling.Keys.Add("k", apiSecret);
        var e = Assert.Throws<OptionsValidationException>(() => ConferHost.Build(options));
        Assert.Contains("openssl rand -base64 32", e.Message);
    }

    [Fact]
    public void Build_ShortSecretFromConfiguration_Throws()
    {
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0 };
        var e = Assert.Throws<OptionsValidationException>(() => ConferHost.Build(options, ["--Signaling:Keys=cfg: short"]));
        Assert.Contains("'cfg'", e.Message);
    }
}
