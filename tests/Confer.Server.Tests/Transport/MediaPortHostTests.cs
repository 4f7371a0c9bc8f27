using System.Net;
using System.Net.Sockets;
using System.Text;
using Confer.Server.Hosting;
using Confer.Sfu.Ice;
using Confer.Stun;
using Confer.Stun.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace Confer.Server.Tests.Transport;

/// <summary>The real server on 127.0.0.1: TURN's Binding still answered on the UDP port, and an ICE check for a registered session too.</summary>
public sealed class MediaPortHostTests
{
    [Fact]
    public async Task Serve_TurnBindingAndIceCheckOnOnePort_BothAnswered()
    {
        await using var app = ConferHost.Build(new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0 });
        await app.StartAsync();
        var port = new IPEndPoint(IPAddress.Loopback, ConferHost.Turn(app).Port);
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var buffer = new byte[1500];

        // TURN: a plain Binding request (no USERNAME) gets TURN's answer, as before.
        var turnRequest = new byte[64];
        var writer = new StunMessageWriter(turnRequest, StunMessageType.BindingRequest, TransactionId.New());
        writer.AddFingerprint();
        await udp.SendToAsync(turnRequest.AsMemory(0, writer.Length), port);
        int n = await Receive(udp, buffer);
        Assert.True(StunMessage.TryRead(buffer.AsSpan(0, n), out var turnResponse, out _));
        Assert.Equal(StunClass.SuccessResponse, turnResponse.Class);
        Assert.Equal(-1, turnResponse.MessageIntegrityOffset);

        // ICE: a check for a session the SFU registered is answered by the ICE-lite agent, signed with the session's password.
        var table = app.Services.GetRequiredService<IceSessionTable>();
        Assert.True(table.TryCreate("cLnT", out var session));
        var check = MediaPortHandlerTests.Check($"{session.LocalUfrag}:cLnT", session.Local.Password, useCandidate: true);
        await udp.SendToAsync(check, port);
        n = await Receive(udp, buffer);
        Assert.True(StunMessage.TryRead(buffer.AsSpan(0, n), out var iceResponse, out _));
        Assert.Equal(StunClass.SuccessResponse, iceResponse.Class);
        Assert.Equal(TransactionId.Read(check.AsSpan(8, 12)), iceResponse.TransactionId);
        Assert.True(MessageIntegrity.VerifySha1(iceResponse, Encoding.ASCII.GetBytes(session.Local.Password)));
        Assert.True(Fingerprint.Verify(iceResponse));
        Assert.True(iceResponse.TryGetXorAddress(StunAttributeType.XorMappedAddress, out var mapped));
        Assert.Equal(udp.LocalEndPoint, mapped);
        Assert.Equal(udp.LocalEndPoint, session.Selected?.Tuple.Client.ToEndPoint());

        // Media from the checked 5-tuple reaches the (default, dropping) media sink, not TURN.
        var sink = Assert.IsType<DroppingMediaPacketSink>(app.Services.GetRequiredService<IMediaPacketSink>());
        await udp.SendToAsync(new byte[] { 0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9 }, port);
        for (int i = 0; i < 100 && sink.Dropped == 0; i++) await Task.Delay(20);
        Assert.Equal(1, sink.Dropped);
        await app.StopAsync();
    }

    private static async Task<int> Receive(Socket udp, byte[] buffer)
    {
        using var cts = new CancellationTokenSource(3000);
        var received = await udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
        return received.ReceivedBytes;
    }
}
