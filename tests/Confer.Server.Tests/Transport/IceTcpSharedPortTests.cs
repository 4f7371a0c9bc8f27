using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Confer.Server.Hosting;
using Confer.Server.Tests.Tls;
using Confer.Server.Tls;
using Confer.Server.Transport;
using Confer.Sfu.Ice;
using Confer.Stun;
using Confer.Stun.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Confer.Server.Tests.Transport;

/// <summary>
/// ICE-TCP (RFC 6544) on the HTTPS port of the real server: a plain TCP connection whose first bytes are an RFC 4571
/// length and a check for a session here becomes an ICE path (framed answers, media to the SFU's sink); TURN over TCP on
/// the same port still works; bad framing, oversize frames and unknown ufrags are closed, and the listener goes on.
/// </summary>
public sealed class IceTcpSharedPortTests
{
    [Fact]
    public async Task FramedCheckForKnownUfrag_OnHttpsPort_IsAnsweredFramed_AndMediaReachesTheSink()
    {
        using var pem = PemFiles.Create("icetcp");
        await using var app = await StartAsync(pem);
        var table = app.Services.GetRequiredService<IceSessionTable>();
        Assert.True(table.TryCreate("cLnT", out var session));
        using var tcp = new TcpClient(AddressFamily.InterNetwork);
        await tcp.ConnectAsync(HttpsEndPoint(app));
        var stream = tcp.GetStream();

        var check = MediaPortHandlerTests.Check($"{session.LocalUfrag}:cLnT", session.Local.Password, useCandidate: true);
        await stream.WriteAsync(Frame(check));
        var answer = await ReadFrameAsync(stream);
        Assert.True(StunMessage.TryRead(answer, out var response, out _));
        Assert.Equal(StunClass.SuccessResponse, response.Class);
        Assert.True(MessageIntegrity.VerifySha1(response, Encoding.ASCII.GetBytes(session.Local.Password)));
        Assert.True(response.TryGetXorAddress(StunAttributeType.XorMappedAddress, out var mapped));
        Assert.Equal(tcp.Client.LocalEndPoint, mapped);
        Assert.NotNull(session.Selected);
        Assert.Equal(Confer.Transport.ClientTransport.Tcp, session.Selected!.Tuple.Transport);
        Assert.Equal(1, app.Services.GetRequiredService<IceTcpConnections>().Open);

        // Two RTP packets in one write: each frame is one packet for the SFU's sink.
        var sink = Assert.IsType<DroppingMediaPacketSink>(app.Services.GetRequiredService<IMediaPacketSink>());
        byte[] rtp = [0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9];
        await stream.WriteAsync(Frame(rtp).Concat(Frame(rtp)).ToArray());
        for (int i = 0; i < 100 && sink.Dropped < 2; i++) await Task.Delay(20);
        Assert.Equal(2, sink.Dropped);

        // Sending through the path frames the bytes (RFC 4571 §2).
        Assert.True(session.Selected.Send("hello"u8));
        Assert.Equal("hello", Encoding.ASCII.GetString(await ReadFrameAsync(stream)));

        // The session goes (its transport closed): the connection is closed by the server.
        table.Remove(session);
        Assert.True(await ClosedAsync(stream), "the ICE-TCP connection stayed open after its session went");
        for (int i = 0; i < 100 && app.Services.GetRequiredService<IceTcpConnections>().Open > 0; i++) await Task.Delay(20);
        Assert.Equal(0, app.Services.GetRequiredService<IceTcpConnections>().Open);
    }

    [Fact]
    public async Task TurnOverTcp_StillServed_BesideIceTcp()
    {
        using var pem = PemFiles.Create("icetcp");
        await using var app = await StartAsync(pem);
        var table = app.Services.GetRequiredService<IceSessionTable>();
        Assert.True(table.TryCreate("cLnT", out _));
        using var tcp = new TcpClient(AddressFamily.InterNetwork);
        await tcp.ConnectAsync(HttpsEndPoint(app));
        var request = new byte[64];
        var writer = new StunMessageWriter(request, StunMessageType.BindingRequest, TransactionId.New());
        writer.AddFingerprint();
        await tcp.GetStream().WriteAsync(request.AsMemory(0, writer.Length)); // STUN at byte 0: TURN's
        var head = new byte[20];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await tcp.GetStream().ReadExactlyAsync(head, timeout.Token);
        Assert.Equal(0x01, head[0]); // Binding success 0x0101
        Assert.Equal(0x01, head[1]);
        Assert.Equal(0, app.Services.GetRequiredService<IceTcpConnections>().Open);
    }

    public static TheoryData<string> BadStarts => new() { "unknown-ufrag", "wrong-password", "zero-length-after-check", "oversize-after-check", "rtp-first" };

    [Theory]
    [MemberData(nameof(BadStarts))]
    public async Task BadFramingOrStrangers_AreClosed_AndTheListenerGoesOn(string what)
    {
        using var pem = PemFiles.Create("icetcp");
        await using var app = await StartAsync(pem);
        var table = app.Services.GetRequiredService<IceSessionTable>();
        Assert.True(table.TryCreate("cLnT", out var session));
        using (var tcp = new TcpClient(AddressFamily.InterNetwork))
        {
            await tcp.ConnectAsync(HttpsEndPoint(app));
            var stream = tcp.GetStream();
            var good = Frame(MediaPortHandlerTests.Check($"{session.LocalUfrag}:cLnT", session.Local.Password, useCandidate: true));
            byte[] bytes = what switch
            {
                "unknown-ufrag" => Frame(MediaPortHandlerTests.Check("nobodyXX:cLnT", session.Local.Password)),
                "wrong-password" => Frame(MediaPortHandlerTests.Check($"{session.LocalUfrag}:cLnT", "not-the-password-at-all-00")),
                "zero-length-after-check" => [.. good, 0, 0, 1, 2, 3],
                "oversize-after-check" => [.. good, 0xFF, 0xFF, .. new byte[100]],
                _ => Frame([0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9]),
            };
            await stream.WriteAsync(bytes);
            Assert.True(await ClosedAsync(stream), $"{what}: the connection stayed open");
        }
        Assert.Null(session.Selected is { } s && s.Tuple.Transport == Confer.Transport.ClientTransport.Tcp ? s : null);
        Assert.Equal(0, table.PathCount);

        // The listener still serves ICE-TCP.
        using var next = new TcpClient(AddressFamily.InterNetwork);
        await next.ConnectAsync(HttpsEndPoint(app));
        await next.GetStream().WriteAsync(Frame(MediaPortHandlerTests.Check($"{session.LocalUfrag}:cLnT", session.Local.Password)));
        Assert.True(StunMessage.TryRead(await ReadFrameAsync(next.GetStream()), out var ok, out _));
        Assert.Equal(StunClass.SuccessResponse, ok.Class);
    }

    internal static byte[] Frame(ReadOnlySpan<byte> packet)
    {
        var frame = new byte[2 + packet.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)packet.Length);
        packet.CopyTo(frame.AsSpan(2));
        return frame;
    }

    internal static async Task<byte[]> ReadFrameAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var prefix = new byte[2];
        await stream.ReadExactlyAsync(prefix, timeout.Token);
        var packet = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        await stream.ReadExactlyAsync(packet, timeout.Token);
        return packet;
    }

    /// <summary>True when the server closes (or resets) the connection within 10 s; whatever it sent before is skipped.</summary>
    internal static async Task<bool> ClosedAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, timeout.Token) > 0) { }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<WebApplication> StartAsync(PemFiles pem)
    {
        var app = ConferHost.Build(new ServerOptions
        {
            Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, TurnTlsPort = 0,
            TlsCert = pem.CertificatePath, TlsKey = pem.KeyPath,
        }, ["--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();
        return app;
    }

    private static IPEndPoint HttpsEndPoint(WebApplication app) => app.Services.GetRequiredService<HttpsListener>().EndPoint!;
}
