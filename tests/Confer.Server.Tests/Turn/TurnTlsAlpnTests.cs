using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Confer.Server.Hosting;
using Confer.Stun;
using Confer.Stun.Attributes;
using Microsoft.AspNetCore.Builder;

namespace Confer.Server.Tests.Turn;

/// <summary>
/// TURN over TLS and ALPN (RFC 7443): a client offering "stun.turn" gets it and a Binding answer; a client offering no
/// ALPN still gets a handshake and an answer; one offering only HTTP's ids is refused, as RFC 7301 §3.2 asks.
/// </summary>
public sealed class TurnTlsAlpnTests
{
    private static readonly SslApplicationProtocol StunTurn = new("stun.turn");

    [Fact]
    public async Task ClientOfferingStunTurn_NegotiatesIt_AndGetsABindingSuccess()
    {
        await using var app = await StartAsync();
        await using var tls = await ConnectAsync(app, [StunTurn]);
        Assert.Equal(StunTurn, tls.NegotiatedApplicationProtocol);
        await AssertBindingAnsweredAsync(tls);
    }

    [Fact]
    public async Task ClientOfferingStunTurnAmongOthers_NegotiatesStunTurn()
    {
        await using var app = await StartAsync();
        await using var tls = await ConnectAsync(app, [SslApplicationProtocol.Http2, StunTurn]);
        Assert.Equal(StunTurn, tls.NegotiatedApplicationProtocol);
        await AssertBindingAnsweredAsync(tls);
    }

    [Fact]
    public async Task ClientOfferingNoAlpn_StillWorks()
    {
        await using var app = await StartAsync();
        await using var tls = await ConnectAsync(app, null);
        Assert.Equal(default, tls.NegotiatedApplicationProtocol);
        await AssertBindingAnsweredAsync(tls);
    }

    [Fact]
    public async Task ClientOfferingOnlyHttp_IsRefused()
    {
        await using var app = await StartAsync();
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var tls = await ConnectAsync(app, [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11]);
            await AssertBindingAnsweredAsync(tls); // a server that let it through would answer here
        });
    }

    [Fact]
    public async Task OpenSslClient_WithAlpnStunTurn_CompletesTheHandshake()
    {
        if (!File.Exists("/usr/bin/openssl")) return; // the SslStream tests above cover the same ground
        await using var app = await StartAsync();
        var tls = ConferHost.Turn(app).Tls!;
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/openssl",
            ["s_client", "-connect", $"127.0.0.1:{tls.Port}", "-alpn", "stun.turn"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.StandardInput.Close(); // handshake, then end of input: s_client closes
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(output.Contains("ALPN protocol: stun.turn", StringComparison.Ordinal), output);
        Assert.DoesNotContain("no application protocol", output);
    }

    private static async Task<WebApplication> StartAsync()
    {
        var app = ConferHost.Build(new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, TurnTlsPort = 0, Dev = true });
        await app.StartAsync();
        return app;
    }

    private static async Task<SslStream> ConnectAsync(WebApplication app, List<SslApplicationProtocol>? protocols)
    {
        var endpoint = ConferHost.Turn(app).Tls!;
        var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint.Address, endpoint.Port);
        var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        using var cts = new CancellationTokenSource(10_000);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = protocols,
            RemoteCertificateValidationCallback = (_, _, _, _) => true, // --dev's self-signed certificate
            EnabledSslProtocols = SslProtocols.None,
        }, cts.Token);
        return tls;
    }

    private static async Task AssertBindingAnsweredAsync(SslStream tls)
    {
        var request = new byte[64];
        var id = TransactionId.New();
        var writer = new StunMessageWriter(request, StunMessageType.BindingRequest, id);
        writer.AddFingerprint();
        await tls.WriteAsync(writer.Written.ToArray());
        var buffer = new byte[1500];
        using var cts = new CancellationTokenSource(5000);
        int n = 0;
        while (n < 20 || n < 20 + (buffer[2] << 8 | buffer[3]))
        {
            int got = await tls.ReadAsync(buffer.AsMemory(n), cts.Token);
            if (got == 0) throw new EndOfStreamException("closed without an answer");
            n += got;
        }
        Assert.True(StunMessage.TryRead(buffer.AsSpan(0, n), out var response, out _));
        Assert.Equal(StunMessageType.BindingSuccess, response.Type);
        Assert.Equal(id, response.TransactionId);
        Assert.True(response.TryGetAttribute(StunAttributeType.XorMappedAddress, out var value));
        Assert.True(StunAddress.TryRead(value, true, response.TransactionId, out _));
    }
}
