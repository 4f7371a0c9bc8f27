using System.Net;
using System.Net.Http.Headers;
using Confer.Server.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Confer.Server.Tests.Hosting;

/// <summary>Issue 13, item 11: <c>/metrics</c> is for callers on this host, or for whoever holds the configured bearer token.</summary>
public sealed class MetricsAccessTests
{
    private const string Token = "scrape-token-0123456789";

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.0.0.2", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("10.0.0.1", false)]
    [InlineData("192.168.1.20", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData("fe80::1", false)]
    public void IsLocalCaller_JudgesTheConnectionAddress(string address, bool expected) =>
        Assert.Equal(expected, MetricsAccess.IsLocalCaller(IPAddress.Parse(address), new HeaderDictionary()));

    [Theory]
    [InlineData("X-Forwarded-For")]
    [InlineData("Forwarded")]
    [InlineData("X-Real-IP")]
    public void IsLocalCaller_LoopbackThroughAProxy_IsNotLocal(string header) =>
        Assert.False(MetricsAccess.IsLocalCaller(IPAddress.Loopback, new HeaderDictionary { [header] = "203.0.113.7" }));

    [Fact]
    public void IsLocalCaller_NoAddress_IsNotLocal() => Assert.False(MetricsAccess.IsLocalCaller(null, new HeaderDictionary()));

    [Fact]
    public async Task NoToken_LoopbackCaller_200_ForwardedOne_403()
    {
        await using var app = await StartAsync();
        using var http = new HttpClient { BaseAddress = ConferHost.HttpAddress(app) };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/metrics")).StatusCode);
        using var proxied = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { { "X-Forwarded-For", "203.0.113.7" } } };
        var refused = await http.SendAsync(proxied);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.DoesNotContain("confer_", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Token_Without401_Wrong401_Right200()
    {
        await using var app = await StartAsync($"--Metrics:Token={Token}");
        using var http = new HttpClient { BaseAddress = ConferHost.HttpAddress(app) };
        var without = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal("Bearer", without.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(http, "Bearer", Token + "x")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(http, "Bearer", Token[..^1])).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(http, "Basic", Token)).StatusCode);
        var right = await GetAsync(http, "Bearer", Token);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains("confer_turn_allocations_active", await right.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TokenFile_IsReadAndTrimmed()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, Token + "\n");
            await using var app = await StartAsync($"--Metrics:TokenFile={file}");
            using var http = new HttpClient { BaseAddress = ConferHost.HttpAddress(app) };
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/metrics")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, "Bearer", Token)).StatusCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void TokenFile_Missing_StopsTheStart()
    {
        var e = Assert.Throws<OptionsValidationException>(() =>
            ConferHost.Build(new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0 }, ["--Metrics:TokenFile=/nonexistent/metrics-token"]));
        Assert.Contains("Metrics:TokenFile", e.Message);
    }

    private static async Task<Microsoft.AspNetCore.Builder.WebApplication> StartAsync(params string[] args)
    {
        var app = ConferHost.Build(new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0 }, args);
        await app.StartAsync();
        return app;
    }

    private static Task<HttpResponseMessage> GetAsync(HttpClient http, string scheme, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue(scheme, token);
        return http.SendAsync(request);
    }
}
