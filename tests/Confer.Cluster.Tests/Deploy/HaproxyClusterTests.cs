using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using Confer.Cluster.Tests.Support;
using Confer.Server.Tests.Cli;
using Confer.Server.Tests.Hosting;
using Confer.Signaling.Auth;
using Xunit.Abstractions;

namespace Confer.Cluster.Tests.Deploy;

/// <summary>
/// The <c>deploy/</c> example on loopback: a real <c>redis-server</c>, three real <c>confer serve</c> processes with
/// <c>--dev</c>'s self-signed certificates on their HTTPS ports, and Debian's haproxy running the shipped
/// <c>deploy/haproxy.cfg</c> (TLS passed through in TCP mode, health from <c>/readyz</c> over HTTPS).
/// </summary>
[Collection("cluster")]
public sealed class HaproxyClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public void ShippedConfig_IsValid()
    {
        var (code, text) = HaproxyProcess.Check(HaproxyProcess.Shipped);
        Assert.True(code == 0, text);
    }

    [Fact]
    public async Task ThreeNodesBehindHaproxy_TwoSocketsOnTwoNodesMeet_AndAStoppedNodeTurnsRedWhileJoinsGoOn()
    {
        using var redis = await RedisProcess.StartAsync();
        var nodes = await Task.WhenAll(Enumerable.Range(1, 3).Select(i => StartNodeAsync(redis, i)));
        try
        {
            using var haproxy = await HaproxyProcess.StartAsync([.. nodes.Select(n => n.HttpsPort)]);
            Assert.True(await UntilAsync(async () => (await haproxy.NodesAsync()).Values.All(n => n.Status == "UP" && n.Check == "L7OK"), TimeSpan.FromSeconds(20)),
                $"not every node became healthy: {Show(await haproxy.NodesAsync())}\n{haproxy.Output}");

            // A clustered node offers HTTP/1.1 only, so that a browser opens each WebSocket on a connection of its own
            // (over HTTP/2 a reconnect after a node hangs would ride the page's connection to that hung node).
            Assert.Equal(SslApplicationProtocol.Http11, await NegotiatedAsync(haproxy.Port, SslApplicationProtocol.Http2, SslApplicationProtocol.Http11));

            await using var alice = await SignalClient.ConnectTlsAsync(haproxy.Port, Token("lobby", "alice"));
            await alice.ExpectAsync("join", Wait);
            await using var bob = await SignalClient.ConnectTlsAsync(haproxy.Port, Token("lobby", "bob"));
            var join = await bob.ExpectAsync("join", Wait);
            Assert.Contains(join.GetProperty("otherParticipants").EnumerateArray(), p => p.GetProperty("identity").GetString() == "alice");
            await alice.ExpectAsync("participantJoined", f => f.GetProperty("participant").GetProperty("identity").GetString() == "bob", Wait);

            // leastconn: the second socket went to another node than the first, so one of them is served through the room's node.
            var stats = await haproxy.NodesAsync();
            output.WriteLine($"after two joins: {Show(stats)}");
            Assert.Equal(2, stats.Values.Count(n => n.Sessions == 1));
            var idle = stats.Single(n => n.Value.Sessions == 0).Key;

            var stopped = Stopwatch.StartNew();
            DrainClient.Signal(nodes[int.Parse(idle[4..], CultureInfo.InvariantCulture) - 1].Process.Pid, "KILL");
            Assert.True(await UntilAsync(async () => (await haproxy.NodesAsync())[idle].Status.StartsWith("DOWN", StringComparison.Ordinal), Wait),
                $"{idle} stayed healthy after it stopped: {Show(await haproxy.NodesAsync())}");
            output.WriteLine($"kill -9 of {idle}: haproxy marked it DOWN after {stopped.ElapsedMilliseconds} ms");

            await using var carol = await SignalClient.ConnectTlsAsync(haproxy.Port, Token("lobby", "carol"));
            var carolJoin = await carol.ExpectAsync("join", Wait);
            Assert.Equal(["alice", "bob"], carolJoin.GetProperty("otherParticipants").EnumerateArray().Select(p => p.GetProperty("identity").GetString()).Order());
            await bob.ExpectAsync("participantJoined", f => f.GetProperty("participant").GetProperty("identity").GetString() == "carol", Wait);
            var after = await haproxy.NodesAsync();
            Assert.Equal(0, after[idle].Sessions);
            Assert.Equal(3, after.Values.Sum(n => n.Sessions));
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
        }
    }

    [Fact]
    public void Render_ChangesOnlyAddressesPortsAndIdentity()
    {
        var dir = Path.GetTempPath();
        var shipped = File.ReadAllLines(HaproxyProcess.Shipped);
        var rendered = HaproxyProcess.Render(4443, [1001, 1002, 1003], dir).Split('\n');
        var changed = shipped.Except(rendered).Select(l => l.Trim()).Order().ToArray();
        Assert.Equal(["bind :443", "group haproxy", "server node1 10.0.0.11:443", "server node2 10.0.0.12:443", "server node3 10.0.0.13:443",
            "stats socket /run/haproxy/confer.sock mode 600 level admin", "user haproxy"], changed);
    }

    private sealed record Node(ServeProcess Process, int HttpsPort) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }

    private static async Task<Node> StartNodeAsync(RedisProcess redis, int i)
    {
        var (http, https, cluster) = (DrainClient.FreePort(), DrainClient.FreePort(), DrainClient.FreePort());
        var process = ServeProcess.Start(["--dev", "--bind", "127.0.0.1", "--http-port", Port(http), "--https-port", Port(https),
            "--turn-port", "0", "--turn-tls-port", "0", "--turn-secret", ClusterNode.TurnSecret,
            "--cluster", redis.Uri, "--cluster-port", Port(cluster), "--node-name", $"node{i}", "--cluster-max-cpu", "0"]);
        try
        {
            await process.WaitListeningAsync(TimeSpan.FromSeconds(60));
            return new Node(process, https);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    private static async Task<SslApplicationProtocol> NegotiatedAsync(int port, params SslApplicationProtocol[] offered)
    {
        using var tcp = new TcpClient();
        using var timeout = new CancellationTokenSource(Wait);
        await tcp.ConnectAsync("127.0.0.1", port, timeout.Token);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [.. offered],
            RemoteCertificateValidationCallback = (_, _, _, _) => true, // --dev's self-signed certificate; only ALPN is checked
        }, timeout.Token);
        return tls.NegotiatedApplicationProtocol;
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static string Show(Dictionary<string, (int Sessions, string Status, string Check)> stats) =>
        string.Join(", ", stats.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value.Status} ({s.Value.Check}) {s.Value.Sessions}"));

    private static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (!await condition())
        {
            if (Environment.TickCount64 > deadline) return false;
            await Task.Delay(100);
        }
        return true;
    }

    private static string Token(string room, string identity) =>
        AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, identity, new VideoGrant { Room = room, RoomJoin = true },
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
}
