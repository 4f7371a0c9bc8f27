using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Confer.Turn.Tests.Infrastructure;
using Confer.Turn.Tests.Support;

namespace Confer.Turn.Tests.TurnInterop;

/// <summary>
/// The attack of issue 13 item 1 against a real `confer` process, with the epoll engine serving TCP and without it:
/// hundreds of connections to the TURN/TCP port from a few sources that never authenticate, half of them announcing a
/// 65,535-byte frame and stalling, and connections to the TURN/TLS port that never handshake. Meanwhile a legitimate
/// client (coturn's <c>turnutils_uclient</c>, over TCP and over TLS) still allocates and gets every message relayed
/// back, and <c>/healthz</c> answers; the sources' connections beyond the cap are refused at accept, and every one that
/// was admitted is closed by the server at its deadline.
/// </summary>
public sealed class StreamFloodTests
{
    private const int Sources = 4;            // 127.0.0.2 to 127.0.0.5
    private const int PerSource = 100;        // more than the cap below: the rest is refused
    private const int Cap = 64;
    private const int TlsConnections = 100;   // from 127.0.0.6, never handshaking

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task IdleAndStalledConnections_LegitimateClientStillRelays_AndAllAreClosedAtTheirDeadlines(bool engine)
    {
        Assert.True(TurnutilsUclient.IsInstalled, "turnutils_uclient is missing: test.sh installs coturn.");
        using var certificate = TestCertificate.Create(IPAddress.Loopback);
        int tlsPort = FreePorts.FindTcp();
        var environment = new Dictionary<string, string>(TestTransport.ProcessEnvironment)
        {
            ["Transport__Engine"] = engine ? "true" : "false",
            ["Transport__AuthTimeout"] = "00:00:15", // long enough for both legitimate runs below to happen under attack
            ["Transport__StallTimeout"] = "00:00:12",
            ["Transport__MaxConnectionsPerSource"] = Cap.ToString(CultureInfo.InvariantCulture),
        };
        await using var confer = await ConferProcess.StartAsync(new ConferProcessOptions
        {
            ExtraArguments = ["--realm", TurnServers.Realm, "--turn-user", $"{TurnServers.User}:{TurnServers.Password}", "--allow-loopback-peers",
                "--turn-tls-port", tlsPort.ToString(CultureInfo.InvariantCulture), "--tls-cert", certificate.CertificatePath, "--tls-key", certificate.KeyPath],
            Environment = environment,
        });
        await using var peer = await TurnutilsPeer.StartAsync();
        var tls = new IPEndPoint(IPAddress.Loopback, tlsPort);

        // The attack.
        var admitted = new List<Socket>();
        var tcpAttack = new List<Socket>();
        int refused = 0;
        try
        {
            for (int source = 0; source < Sources; source++)
            {
                var from = IPAddress.Parse($"127.0.0.{source + 2}");
                for (int i = 0; i < PerSource; i++)
                {
                    var socket = await TryConnectAsync(confer.StunEndPoint, from);
                    if (socket is null) { refused++; continue; }
                    if (i % 2 == 1 && !await TrySendPartialFrameAsync(socket)) { socket.Dispose(); refused++; continue; }
                    admitted.Add(socket);
                    tcpAttack.Add(socket);
                }
            }
            for (int i = 0; i < TlsConnections; i++)
            {
                var socket = await TryConnectAsync(tls, IPAddress.Parse("127.0.0.6"));
                if (socket is not null) admitted.Add(socket);
            }

            // Beyond the cap, each source's connections are closed at once (the kernel completed their handshake before the
            // server could look at them); the others stay until their deadlines, seconds away.
            int expectedRefused = Sources * (PerSource - Cap);
            for (int i = 0; i < 100 && refused + tcpAttack.Count(IsClosed) < expectedRefused; i++) await Task.Delay(20);
            int refusedAtOnce = refused + tcpAttack.Count(IsClosed);
            Assert.Equal(expectedRefused, refusedAtOnce);

            // A legitimate client while it lasts: TURN over TCP and over TLS, every message relayed to the peer and back.
            foreach (var transport in new[] { UclientTransport.Tcp, UclientTransport.Tls })
            {
                var output = await TurnutilsUclient.RunAsync(new UclientOptions
                {
                    Server = transport == UclientTransport.Tls ? tls : confer.StunEndPoint,
                    Peer = peer.IPv4,
                    Transport = transport,
                    User = TurnServers.User,
                    Password = TurnServers.Password,
                    Clients = 2,
                    Messages = 20,
                    Timeout = TimeSpan.FromSeconds(30),
                });
                Assert.True(output.IsLossless(40), $"{transport} under attack: {output}\n--- server ---\n{confer.Output}");
            }
            using var http = new HttpClient { BaseAddress = confer.HttpAddress, Timeout = TimeSpan.FromSeconds(5) };
            Assert.Equal("ok", (await http.GetStringAsync("healthz")).Trim());

            // Every one of the attacker's connections is closed by the server at its deadline.
            var closing = admitted.Select(s => SocketClosing.ClosedWithinAsync(s, TimeSpan.FromSeconds(20))).ToArray();
            await Task.WhenAll(closing);
            Assert.Contains("Refused", confer.Output, StringComparison.Ordinal); // logged (at most once per interval)
            var metrics = await http.GetAsync("metrics");
            if (metrics.IsSuccessStatusCode) // /metrics may be closed to the public; the log above says as much
            {
                var text = await metrics.Content.ReadAsStringAsync();
                Assert.Contains("stream_connections_refused", text);
                Assert.Contains("auth_timeout", text);
                Assert.Contains("stall", text);
            }
            Assert.False(confer.HasExited);
        }
        finally
        {
            foreach (var socket in admitted) socket.Dispose();
        }
    }

    /// <summary>The server closed the connection (the attacker's connections are never sent anything, so readable means closed).</summary>
    private static bool IsClosed(Socket socket)
    {
        try
        {
            return socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    private static async Task<Socket?> TryConnectAsync(IPEndPoint server, IPAddress source)
    {
        try
        {
            return await SocketClosing.ConnectAsync(server, source);
        }
        catch (SocketException)
        {
            return null; // refused so fast that the connect saw the reset
        }
    }

    /// <summary>A ChannelData header announcing 65,535 bytes and a thousand of them; false when the server already closed the connection.</summary>
    private static async Task<bool> TrySendPartialFrameAsync(Socket socket)
    {
        var head = new byte[1004];
        BinaryPrimitives.WriteUInt16BigEndian(head, 0x4001);
        BinaryPrimitives.WriteUInt16BigEndian(head.AsSpan(2), ushort.MaxValue);
        try
        {
            await socket.SendAsync(head);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
