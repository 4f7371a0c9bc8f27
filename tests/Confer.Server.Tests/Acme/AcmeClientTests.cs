using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Confer.Server.Acme;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Confer.Server.Tests.Acme;

/// <summary>
/// The client's protocol edges against a small real HTTP server that misbehaves on purpose: a badNonce answer is
/// retried with the nonce it carried (RFC 8555 §6.5), and a poll that never ends gives up at its bound.
/// </summary>
public sealed class AcmeClientTests : IAsyncLifetime
{
    private WebApplication _app = null!;
    private Uri _base = null!;
    private readonly List<string> _nonces = [];
    private int _accountCalls;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        string Url(HttpContext c, string path) => $"http://{c.Request.Host}{path}";
        _app.MapGet("/dir", (HttpContext c) => Results.Json(new Dictionary<string, string>
        {
            ["newNonce"] = Url(c, "/nonce"), ["newAccount"] = Url(c, "/acct"), ["newOrder"] = Url(c, "/order"),
        }));
        _app.MapMethods("/nonce", ["HEAD"], (HttpContext c) => { c.Response.Headers["Replay-Nonce"] = "first"; return Results.Ok(); });
        _app.MapPost("/acct", async (HttpContext c) =>
        {
            using var body = await JsonDocument.ParseAsync(c.Request.Body);
            var header = JsonDocument.Parse(Base64Url.DecodeFromChars(body.RootElement.GetProperty("protected").GetString()!)).RootElement;
            lock (_nonces) _nonces.Add(header.GetProperty("nonce").GetString()!);
            if (Interlocked.Increment(ref _accountCalls) == 1)
            {
                c.Response.Headers["Replay-Nonce"] = "from-the-error";
                return Results.Content("""{"type":"urn:ietf:params:acme:error:badNonce","detail":"JWS has an invalid anti-replay nonce"}""",
                    "application/problem+json", statusCode: 400);
            }
            c.Response.Headers["Replay-Nonce"] = "next";
            c.Response.Headers.Location = "/acct/1";
            return Results.Json(new { status = "valid" }, statusCode: 201);
        });
        _app.MapPost("/order/1", (HttpContext c) =>
        {
            c.Response.Headers["Replay-Nonce"] = Guid.NewGuid().ToString("N");
            c.Response.Headers.RetryAfter = "1";
            return Results.Json(new { status = "processing" });
        });
        await _app.StartAsync();
        _base = new Uri(_app.Urls.First());
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private AcmeClient Client(HttpClient http, TimeSpan pollTimeout) =>
        new(http, new Uri(_base, "/dir"), new AcmeJws(ECDsa.Create(ECCurve.NamedCurves.nistP256)), TimeProvider.System) { PollTimeout = pollTimeout };

    [Fact]
    public async Task Account_BadNonce_RetriedWithTheNonceTheErrorCarried_ThenSignsWithKid()
    {
        using var http = new HttpClient();
        var client = Client(http, TimeSpan.FromSeconds(5));
        await client.AccountAsync("ops@example.org", CancellationToken.None);
        Assert.Equal(["first", "from-the-error"], _nonces);
        Assert.Equal(new Uri(_base, "/acct/1").ToString(), client.Jws.KeyId);
    }

    [Fact]
    public async Task Poll_NeverFinishes_GivesUpAtItsBound_WithOneSentence()
    {
        using var http = new HttpClient();
        var client = Client(http, TimeSpan.FromSeconds(2));
        client.Jws.KeyId = new Uri(_base, "/acct/1").ToString();
        string url = new Uri(_base, "/order/1").ToString();
        var first = (await client.PostAsync("Issuing", url, null, CancellationToken.None)).Body;
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<AcmeException>(() => client.PollAsync("Issuing", url, first, ["processing"], TimeSpan.FromSeconds(1), CancellationToken.None));
        Assert.Equal("Issuing did not finish within 2 s (still \"processing\").", e.Message);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4)); // waited as Retry-After asked, and stopped
    }
}
