using System.Net;
using System.Net.Sockets;
using Confer.Server.Hosting;
using Confer.Server.Hosting.Configuration;
using Confer.Server.Signaling;
using Confer.Signaling.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace Confer.Server.Tests.Turn;

/// <summary>
/// <c>--turn-udp-port</c> (issue 14, item 1): STUN/TURN over UDP on more ports than <c>--turn-port</c>, like 443 for an
/// office that lets out UDP and TCP to 443 only. A real Binding request to the extra port is answered, and the ICE
/// servers handed to clients name it as <c>turn:HOST:PORT?transport=udp</c>.
/// </summary>
public sealed class TurnExtraUdpPortTests
{
    [Fact]
    public async Task ExtraUdpPort_AnswersStun_AndIsHandedToClientsAsTurnOverUdp()
    {
        int extra = FreeUdpPort();
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, TurnSecret = new string('s', 40) };
        options.TurnExtraUdpPorts.Add(extra);
        Assert.Null(options.Validate());
        await using var app = ConferHost.Build(options);
        await app.StartAsync();
        var turn = ConferHost.Turn(app);
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, extra)], turn.ExtraUdp);

        // A real STUN Binding round trip on the extra port: the server answers with our address.
        var (address, failure) = await PublicAddressDiscovery.DiscoverAsync($"127.0.0.1:{extra}", IPAddress.Loopback, CancellationToken.None);
        Assert.Null(failure);
        Assert.Equal(IPAddress.Loopback, address);

        var token = new AccessToken("k", "alice", null, null, null, DateTimeOffset.UtcNow.AddHours(1), new VideoGrant { Room = "r", RoomJoin = true });
        var servers = app.Services.GetRequiredService<IceServerFactory>().Create("127.0.0.1", token);
        var urls = servers.SelectMany(s => s.Urls).ToList();
        Assert.Contains($"turn:127.0.0.1:{extra}?transport=udp", urls);
        Assert.Contains($"turn:127.0.0.1:{turn.Port}?transport=udp", urls); // the main port stays
        Assert.DoesNotContain($"turn:127.0.0.1:{extra}?transport=tcp", urls); // UDP only: TCP there is not ours
    }

    [Fact]
    public async Task ExtraUdpPort_Taken_FailsTheStartWithASentence()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)taken.LocalEndPoint!).Port;
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0 };
        options.TurnExtraUdpPorts.Add(port);
        var error = Assert.ThrowsAny<IOException>(() => ConferHost.Build(options));
        Assert.Contains("--turn-udp-port", error.Message, StringComparison.Ordinal);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3478, "is --turn-port already")]
    [InlineData(0, "is not a port number")]
    [InlineData(70000, "is not a port number")]
    public void ExtraUdpPort_Invalid_IsRefusedWithASentence(int port, string expected)
    {
        var options = new ServerOptions { TurnPort = 3478 };
        options.TurnExtraUdpPorts.Add(port);
        Assert.Contains(expected, options.Validate() ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void ExtraUdpPort_Repeated_IsRefused()
    {
        var options = new ServerOptions();
        options.TurnExtraUdpPorts.AddRange([443, 443]);
        Assert.Contains("repeats a port", options.Validate() ?? "", StringComparison.Ordinal);
    }

    private static int FreeUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
