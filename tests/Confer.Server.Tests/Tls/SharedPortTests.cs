using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Confer.Server.Hosting;
using Confer.Server.Signaling;
using Confer.Server.Tls;
using Confer.Signaling.Auth;
using Confer.Stun;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Confer.Server.Tests.Tls;

/// <summary>
/// One port for everything: the HTTPS listener answers HTTPS, TURN over TLS (by ALPN "stun.turn", or with no ALPN by
/// the first bytes after the handshake) and TURN over plain TCP (by the first bytes), and tells a plain HTTP client to
/// use HTTPS. Real sockets against Kestrel on port 0 with a PEM certificate.
/// </summary>
public sealed class SharedPortTests
{
    private static readonly SslApplicationProtocol StunTurn = new("stun.turn");

    [Fact]
    public async Task TlsWithStunTurnAlpn_IsTurnOverTls_OnTheHttpsPort()
    {
        using var pem = PemFiles.Create("shared");
        await using var app = await StartAsync(pem);
        await using var tls = await TlsProbe.HandshakeAsync(HttpsEndPoint(app), "localhost", StunTurn);
        Assert.Equal(StunTurn, tls.Protocol);
        await AssertBindingAnsweredAsync(tls.Stream);
    }

    [Fact]
    public async Task TlsWithoutAlpn_StunFirst_IsTurn_HttpFirst_IsHttps()
    {
        using var pem = PemFiles.Create("shared");
        await using var app = await StartAsync(pem);
        await using (var turn = await TlsProbe.HandshakeAsync(HttpsEndPoint(app), "localhost"))
        {
            Assert.Equal(default, turn.Protocol);
            await AssertBindingAnsweredAsync(turn.Stream);
        }
        await using var web = await TlsProbe.HandshakeAsync(HttpsEndPoint(app), "localhost");
        await web.Stream.WriteAsync("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"u8.ToArray());
        var answer = await ReadAllAsync(web.Stream);
        Assert.StartsWith("HTTP/1.1 200", answer);
        Assert.EndsWith("ok\n", answer);
    }

    [Fact]
    public async Task BrowserAlpn_StillGetsHttp2()
    {
        using var pem = PemFiles.Create("shared");
        await using var app = await StartAsync(pem);
        await using var web = await TlsProbe.HandshakeAsync(HttpsEndPoint(app), "localhost", SslApplicationProtocol.Http2, SslApplicationProtocol.Http11);
        Assert.Equal(SslApplicationProtocol.Http2, web.Protocol);
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(ConferHost.HttpsAddress(app)!, "/healthz"))
        { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact });
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("ok\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PlainTcp_StunFirst_IsTurnOverTcp_OnTheHttpsPort()
    {
        using var pem = PemFiles.Create("shared");
        await using var app = await StartAsync(pem);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(HttpsEndPoint(app));
        await AssertBindingAnsweredAsync(tcp.GetStream());
    }

    [Fact]
    public async Task PlainHttp_OnTheHttpsPort_IsToldToUseHttps()
    {
        using var pem = PemFiles.Create("shared");
        await using var app = await StartAsync(pem);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(HttpsEndPoint(app));
        await tcp.GetStream().WriteAsync("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"u8.ToArray());
        var answer = await ReadAllAsync(tcp.GetStream());
        Assert.StartsWith("HTTP/1.1 400", answer);
        Assert.Contains("This port speaks HTTPS", answer);
    }

    [Fact]
    public async Task Garbage_OnTheHttpsPort_IsClosedWithoutAnswer()
    {
        using var pem = PemFiles.Create("shared");
        await using var app = await StartAsync(pem);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(HttpsEndPoint(app));
        await tcp.GetStream().WriteAsync(new byte[] { 0xFF, 0x00, 0x13, 0x37, 0, 0, 0, 0, 0, 0 });
        Assert.Equal("", await ReadAllAsync(tcp.GetStream()));
        // The listener still serves the next client.
        await using var next = await TlsProbe.HandshakeAsync(HttpsEndPoint(app), "localhost", StunTurn);
        await AssertBindingAnsweredAsync(next.Stream);
    }

    [Fact]
    public async Task TurnTlsPortEqualToHttpsPort_OneListener_IceServersNameTheHttpsPort()
    {
        using var pem = PemFiles.Create("shared");
        int port = FreePort();
        var options = Options(pem);
        options.HttpsPort = port;
        options.TurnTlsPort = port;
        await using var app = ConferHost.Build(options, ["--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();
        Assert.Null(ConferHost.Turn(app).Tls); // no listener of its own: the HTTPS one serves TURN over TLS
        await using var tls = await TlsProbe.HandshakeAsync(new IPEndPoint(IPAddress.Loopback, port), "localhost", StunTurn);
        await AssertBindingAnsweredAsync(tls.Stream);

        var token = new AccessToken("k", "alice", null, null, null, DateTimeOffset.UtcNow.AddHours(1), new VideoGrant { Room = "r", RoomJoin = true });
        var urls = app.Services.GetRequiredService<IceServerFactory>().Create("meet.example.org", token).SelectMany(s => s.Urls).ToList();
        Assert.Equal(1, urls.Count(u => u.StartsWith("turns:", StringComparison.Ordinal)));
        Assert.Contains($"turns:meet.example.org:{port}?transport=tcp", urls);
    }

    [Fact]
    public async Task IceServers_OfferTurnsOnTheHttpsPort_BeforeTheTurnTlsPort()
    {
        using var pem = PemFiles.Create("shared");
        await using var app = await StartAsync(pem);
        var token = new AccessToken("k", "alice", null, null, null, DateTimeOffset.UtcNow.AddHours(1), new VideoGrant { Room = "r", RoomJoin = true });
        var urls = app.Services.GetRequiredService<IceServerFactory>().Create("meet.example.org", token).SelectMany(s => s.Urls).ToList();
        var turns = urls.Where(u => u.StartsWith("turns:", StringComparison.Ordinal)).ToList();
        Assert.Equal([$"turns:meet.example.org:{HttpsEndPoint(app).Port}?transport=tcp", $"turns:meet.example.org:{ConferHost.Turn(app).Tls!.Port}?transport=tcp"], turns);
    }

    private static async Task AssertBindingAnsweredAsync(Stream stream)
    {
        var request = new byte[64];
        var writer = new StunMessageWriter(request, StunMessageType.BindingRequest, TransactionId.New());
        writer.AddFingerprint();
        var id = writer.TransactionId;
        await stream.WriteAsync(request.AsMemory(0, writer.Length));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var head = new byte[20];
        await stream.ReadExactlyAsync(head, timeout.Token);
        int length = (head[2] << 8) | head[3];
        var response = new byte[20 + length];
        head.CopyTo(response, 0);
        await stream.ReadExactlyAsync(response.AsMemory(20), timeout.Token);
        Assert.True(StunMessage.TryRead(response, out var message, out _));
        Assert.Equal(StunMessageType.BindingSuccess, message.Type);
        Assert.Equal(id, message.TransactionId);
    }

    private static async Task<string> ReadAllAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var all = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0) all.Write(buffer, 0, n);
        }
        catch (IOException)
        {
            // Reset: closed too.
        }
        return Encoding.UTF8.GetString(all.ToArray());
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static async Task<WebApplication> StartAsync(PemFiles pem)
    {
        var app = ConferHost.Build(Options(pem), ["--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();
        return app;
    }

    private static ServerOptions Options(PemFiles pem) => new()
    {
        Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, TurnTlsPort = 0,
        TlsCert = pem.CertificatePath, TlsKey = pem.KeyPath,
    };

    private static IPEndPoint HttpsEndPoint(WebApplication app) => app.Services.GetRequiredService<HttpsListener>().EndPoint!;
}
