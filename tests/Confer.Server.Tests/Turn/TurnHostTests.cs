using System.Net;
using System.Net.Sockets;
using Confer.Server.Hosting;
using Confer.Stun;
using Confer.Stun.Attributes;

namespace Confer.Server.Tests.Turn;

public sealed class TurnHostTests
{
    [Fact]
    public async Task Serve_TurnPortZero_UdpAndTcpShareTheChosenPort()
    {
        await using var app = ConferHost.Build(new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0 });
        await app.StartAsync();
        var turn = ConferHost.Turn(app);
        Assert.NotEqual(0, turn.Port);

        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await udp.SendToAsync(BindingRequest(out _), new IPEndPoint(IPAddress.Loopback, turn.Port));
        var buffer = new byte[1500];
        using var cts = new CancellationTokenSource(3000);
        var received = await udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
        Assert.Equal(udp.LocalEndPoint, MappedAddress(buffer.AsSpan(0, received.ReceivedBytes)));

        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await tcp.ConnectAsync(new IPEndPoint(IPAddress.Loopback, turn.Port));
        await tcp.SendAsync(BindingRequest(out _));
        int n = 0;
        while (n < 20 || n < 20 + (buffer[2] << 8 | buffer[3])) n += await tcp.ReceiveAsync(buffer.AsMemory(n), cts.Token);
        Assert.Equal(tcp.LocalEndPoint, MappedAddress(buffer.AsSpan(0, n)));
        await app.StopAsync();
    }

    [Fact]
    public async Task Metrics_AfterBinding_ExposeTurnCounters()
    {
        await using var app = ConferHost.Build(new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0 });
        await app.StartAsync();
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await udp.SendToAsync(BindingRequest(out _), new IPEndPoint(IPAddress.Loopback, ConferHost.Turn(app).Port));
        using var cts = new CancellationTokenSource(3000);
        await udp.ReceiveFromAsync(new byte[1500], SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);

        using var http = new HttpClient { BaseAddress = ConferHost.HttpAddress(app) };
        var text = await http.GetStringAsync("/metrics");
        Assert.Contains("confer_turn_binding_requests", text);
        Assert.Contains("confer_turn_allocations_active", text);
        await app.StopAsync();
    }

    [Fact]
    public async Task Build_UdpPortInUse_IsReportedAsAddressInUse()
    {
        using var blocker = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        blocker.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)blocker.LocalEndPoint!).Port;
        var e = Assert.ThrowsAny<Exception>(() => ConferHost.Build(new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = port }));
        Assert.True(ConferHost.IsAddressInUse(e), e.ToString());
        Assert.Contains($"UDP 127.0.0.1:{port}", e.Message);
    }

    [Fact]
    public async Task Build_TcpPortInUse_IsReportedAsAddressInUse()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        int port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        var e = Assert.ThrowsAny<Exception>(() => ConferHost.Build(new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = port }));
        Assert.True(ConferHost.IsAddressInUse(e), e.ToString());
        Assert.Contains($"TCP 127.0.0.1:{port}", e.Message);
        await Task.CompletedTask;
    }

    private static byte[] BindingRequest(out TransactionId id)
    {
        var buffer = new byte[64];
        id = TransactionId.New();
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, id);
        writer.AddFingerprint();
        return writer.Written.ToArray();
    }

    private static IPEndPoint MappedAddress(ReadOnlySpan<byte> response)
    {
        Assert.True(StunMessage.TryRead(response, out var message, out _));
        Assert.True(message.TryGetAttribute(StunAttributeType.XorMappedAddress, out var value));
        Assert.True(StunAddress.TryRead(value, true, message.TransactionId, out var endpoint));
        return endpoint;
    }
}
