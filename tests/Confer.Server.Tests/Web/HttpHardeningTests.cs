using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Confer.Server.Hosting;
using Confer.Server.Web;
using Confer.Signaling.Auth;

namespace Confer.Server.Tests.Web;

/// <summary>
/// Issue 13, item 10: security headers on every response, and request bodies limited before they are read.
/// </summary>
public sealed class HttpHardeningTests : IAsyncLifetime
{
    private Microsoft.AspNetCore.Builder.WebApplication _app = null!;
    private Uri _http = null!;

    public async Task InitializeAsync()
    {
        _app = ConferHost.Build(new ServerOptions { Dev = true, HttpPort = 0, TurnPort = 0, TurnTlsPort = 0 });
        await _app.StartAsync();
        _http = ConferHost.HttpAddress(_app);
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Theory]
    [InlineData("GET", "/", 200)]
    [InlineData("GET", "/room/team-sync", 200)]
    [InlineData("GET", "/app/room.js", 200)]
    [InlineData("GET", "/app/app.css", 200)]
    [InlineData("GET", "/sdk/confer.js", 200)]
    [InlineData("GET", "/healthz", 200)]
    [InlineData("GET", "/api/rooms", 401)]
    [InlineData("POST", "/api/token", 400)]
    [InlineData("GET", "/no-such-page", 404)]
    public async Task Response_AnyPath_CarriesSecurityHeaders(string method, string path, int status)
    {
        using var http = new HttpClient { BaseAddress = _http };
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request);
        Assert.Equal(status, (int)response.StatusCode);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Equal(HttpHardening.ContentSecurityPolicy, csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("script-src 'self';", csp);
        Assert.DoesNotContain("unsafe", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }

    [Theory]
    [InlineData("/api/token")]
    [InlineData("/api/rooms")]
    public async Task Post_ContentLengthOverLimit_413BeforeTheBodyIsSent(string path)
    {
        // Ten megabytes announced, none sent: the answer can only come from the headers.
        using var socket = await ConnectAsync();
        await SendAsync(socket, $"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {AdminToken()}\r\n" +
            "Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 413", await ReadHeadAsync(socket));
    }

    [Theory]
    [InlineData("/api/token")]
    [InlineData("/api/rooms")]
    public async Task Post_ChunkedBodyOverLimit_413WithoutWaitingForTheRest(string path)
    {
        // A chunked body with no length: 128 KiB sent and the end never comes. Read whole, it would hang here.
        using var socket = await ConnectAsync();
        await SendAsync(socket, $"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {AdminToken()}\r\n" +
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
        var chunk = Encoding.ASCII.GetBytes($"{16 * 1024:x}\r\n{new string(' ', 16 * 1024)}\r\n");
        for (int i = 0; i < 8; i++) await socket.SendAsync(chunk);
        Assert.StartsWith("HTTP/1.1 413", await ReadHeadAsync(socket));
    }

    [Fact]
    public async Task Post_SmallBody_StillWorks()
    {
        using var http = new HttpClient { BaseAddress = _http };
        using var response = await http.PostAsync("/api/token", new StringContent("{\"room\":\"r\",\"name\":\"x\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/rooms") { Content = new StringContent("{\"name\":\"r2\"}", Encoding.UTF8, "application/json") };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken());
        using var created = await http.SendAsync(create);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
    }

    private static string AdminToken() => AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, null,
        new VideoGrant { RoomCreate = true, RoomList = true }, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_http.Host, _http.Port);
        return socket;
    }

    private static async Task SendAsync(Socket socket, string text) => await socket.SendAsync(Encoding.ASCII.GetBytes(text));

    /// <summary>The status line and headers of the response, within five seconds.</summary>
    private static async Task<string> ReadHeadAsync(Socket socket)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var buffer = new byte[8192];
        int n = 0;
        try
        {
            while (n < buffer.Length)
            {
                int read = await socket.ReceiveAsync(buffer.AsMemory(n), SocketFlags.None, cts.Token);
                if (read == 0) break;
                n += read;
                if (Encoding.ASCII.GetString(buffer, 0, n).Contains("\r\n\r\n", StringComparison.Ordinal)) break;
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"no response within 5 s (the server is waiting for the whole body): '{Encoding.ASCII.GetString(buffer, 0, n)}'");
        }
        return Encoding.ASCII.GetString(buffer, 0, n);
    }
}
