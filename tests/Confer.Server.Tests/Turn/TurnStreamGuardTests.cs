using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Confer.Server.Hosting;
using Confer.Stun;
using Confer.Transport.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Confer.Server.Tests.Turn;

/// <summary>
/// The connection guard on TURN over TLS, as `confer` serves it (Kestrel, one guard with plain TCP): a handshake never
/// completed is closed at the handshake timeout, a handshake done but no Allocate at the auth deadline, a frame begun
/// and not finished at the stall time, and a source over its cap is refused before any handshake.
/// </summary>
public sealed class TurnStreamGuardTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TlsHandshakeNeverCompleted_IsClosedAtTheHandshakeTimeout(bool partialClientHello)
    {
        await using var app = await StartAsync("--Transport:HandshakeTimeout=00:00:01", "--Transport:AuthTimeout=00:00:30");
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var opened = Stopwatch.StartNew();
        await tcp.ConnectAsync(ConferHost.Turn(app).Tls!);
        if (partialClientHello) await tcp.SendAsync(new byte[] { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00 }); // a 512-byte handshake record, 2 bytes of it
        await ClosedWithinAsync(tcp, TimeSpan.FromSeconds(5)); // Kestrel's own default would be 10 s
        Assert.True(opened.Elapsed >= TimeSpan.FromSeconds(0.9), $"closed after {opened.Elapsed}, before the timeout");
        await WaitUntilAsync(() => Guard(app).Open == 0);
    }

    [Fact]
    public async Task TlsHandshakeDone_BindingAnswered_NoAllocate_IsClosedAtTheAuthDeadline()
    {
        await using var app = await StartAsync("--Transport:AuthTimeout=00:00:01");
        var opened = Stopwatch.StartNew();
        await using var tls = await HandshakeAsync(app);
        await tls.WriteAsync(BindingRequest());
        var buffer = new byte[1500];
        Assert.True(await tls.ReadAsync(buffer) >= 20); // answered
        await ClosedWithinAsync(tls, TimeSpan.FromSeconds(10));
        Assert.True(opened.Elapsed >= TimeSpan.FromSeconds(0.9), $"closed after {opened.Elapsed}, before the deadline");
        Assert.Equal(1, Guard(app).Metrics.ClosedCount("auth_timeout"));
    }

    [Fact]
    public async Task TlsFrameOf65535BytesAnnounced_SentInPart_IsClosedAtTheStallTime()
    {
        await using var app = await StartAsync("--Transport:StallTimeout=00:00:01", "--Transport:AuthTimeout=00:00:30");
        await using var tls = await HandshakeAsync(app);
        var head = new byte[20_000];
        head[0] = 0x40; head[1] = 0x01; head[2] = 0xFF; head[3] = 0xFF; // ChannelData 0x4001 with 65,535 bytes announced
        var sent = Stopwatch.StartNew();
        await tls.WriteAsync(head);
        await tls.FlushAsync();
        await ClosedWithinAsync(tls, TimeSpan.FromSeconds(10));
        Assert.True(sent.Elapsed >= TimeSpan.FromSeconds(0.9), $"closed after {sent.Elapsed}, before the stall time");
        Assert.Equal(1, Guard(app).Metrics.ClosedCount("stall"));
    }

    [Fact]
    public async Task TlsPerSourceCap_RefusesTheNextConnection_BeforeItsHandshake()
    {
        await using var app = await StartAsync("--Transport:MaxConnectionsPerSource=2");
        await using var one = await HandshakeAsync(app);
        await using var two = await HandshakeAsync(app);
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var three = await HandshakeAsync(app);
            await three.WriteAsync(BindingRequest());
            if (await three.ReadAsync(new byte[1500]) == 0) throw new EndOfStreamException("closed");
        });
        Assert.Equal(1, Guard(app).Metrics.RefusedCount("per_source"));
        // The two admitted ones are still served.
        await one.WriteAsync(BindingRequest());
        Assert.True(await one.ReadAsync(new byte[1500]) >= 20);
    }

    [Fact]
    public async Task ImpossibleTimeout_StopsTheStart_WithASentence()
    {
        await using var app = ConferHost.Build(Options(), ["--Transport:AuthTimeout=00:00:00"]);
        var e = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("Transport:AuthTimeout", e.Message);
    }

    private static ServerOptions Options() => new() { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, TurnTlsPort = 0, Dev = true };

    private static async Task<WebApplication> StartAsync(params string[] args)
    {
        var app = ConferHost.Build(Options(), args);
        await app.StartAsync();
        return app;
    }

    private static StreamConnectionGuard Guard(WebApplication app) => app.Services.GetRequiredService<StreamConnectionGuard>();

    private static async Task<SslStream> HandshakeAsync(WebApplication app)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(ConferHost.Turn(app).Tls!);
        var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        using var cts = new CancellationTokenSource(10_000);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [new SslApplicationProtocol("stun.turn")],
            RemoteCertificateValidationCallback = (_, _, _, _) => true, // --dev's self-signed certificate
            EnabledSslProtocols = SslProtocols.None,
        }, cts.Token);
        return tls;
    }

    private static byte[] BindingRequest()
    {
        var request = new byte[64];
        var writer = new StunMessageWriter(request, StunMessageType.BindingRequest, TransactionId.New());
        writer.AddFingerprint();
        return writer.Written.ToArray();
    }

    private static async Task ClosedWithinAsync(Socket socket, TimeSpan limit)
    {
        using var cts = new CancellationTokenSource(limit);
        try
        {
            while (await socket.ReceiveAsync(new byte[4096], SocketFlags.None, cts.Token) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // Reset: closed too.
        }
    }

    private static async Task ClosedWithinAsync(SslStream tls, TimeSpan limit)
    {
        using var cts = new CancellationTokenSource(limit);
        try
        {
            while (await tls.ReadAsync(new byte[4096], cts.Token) > 0)
            {
            }
        }
        catch (IOException)
        {
            // Reset: closed too.
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++) await Task.Delay(25);
        Assert.True(condition());
    }
}
