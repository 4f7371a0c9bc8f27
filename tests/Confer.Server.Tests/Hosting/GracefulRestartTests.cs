using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using Confer.Server.Tests.Cli;
using Confer.Stun;
using Confer.Stun.Attributes;

namespace Confer.Server.Tests.Hosting;

/// <summary>
/// Issue 16, item 6: the real <c>confer serve</c> process stopped by a signal sent to its PID. It turns <c>/readyz</c>
/// unready, tells connected clients to reconnect, refuses joins and new TURN allocations, keeps relaying for the
/// allocations it holds until they end or <c>--drain-timeout</c> passes, and exits 0; a second signal exits at once.
/// </summary>
public sealed class GracefulRestartTests
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(60);

    private sealed record Server(ServeProcess Process, int HttpPort, int TurnPort, HttpClient Http) : IAsyncDisposable
    {
        public IPEndPoint Turn => new(IPAddress.Loopback, TurnPort);

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Process.DisposeAsync();
        }
    }

    private static async Task<Server> StartAsync(string drainTimeout)
    {
        int http = DrainClient.FreePort(), turn = DrainClient.FreePort();
        var process = ServeProcess.Start(["--dev", "--bind", "127.0.0.1", "--http-port", Port(http), "--turn-port", Port(turn),
            "--turn-tls-port", "0", "--https-port", "0", "--drain-timeout", drainTimeout]);
        await process.WaitListeningAsync(Start);
        return new Server(process, http, turn, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}"), Timeout = TimeSpan.FromSeconds(5) });
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Joins a room and makes a TURN allocation with the REST credentials of the join (returned for a second client).</summary>
    private static async Task<(RtcSocket Socket, LongTermClient Turn, string User, string Password)> JoinAndAllocateAsync(Server server, string name)
    {
        var socket = await RtcSocket.ConnectAsync(server.HttpPort, await DrainClient.TokenAsync(server.Http, "drain", name));
        var join = await socket.ExpectAsync("join", TimeSpan.FromSeconds(10));
        var ice = join.GetProperty("iceServers").EnumerateArray().First(s => s.TryGetProperty("username", out _));
        string user = ice.GetProperty("username").GetString()!, password = ice.GetProperty("credential").GetString()!;
        var turn = new LongTermClient(server.Turn, user, password);
        Assert.Equal(200, await AllocateAsync(turn));
        return (socket, turn, user, password);
    }

    private static Task<int> AllocateAsync(LongTermClient turn) =>
        turn.RequestAsync(StunMethod.Allocate, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24));

    private static Task<int> RefreshAsync(LongTermClient turn, uint lifetime = 600) =>
        turn.RequestAsync(StunMethod.Refresh, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.Lifetime, lifetime));

    [Fact]
    public async Task Sigterm_AllocationHeld_UnreadyReconnectRefuseThenRelaysUntilTheBoundAndExitsZero()
    {
        await using var server = await StartAsync("4s");
        Assert.Equal(200, await DrainClient.ReadyAsync(server.Http));
        var (alice, turn, user, password) = await JoinAndAllocateAsync(server, "Alice");
        await using var _ = alice;
        using var __ = turn;

        var stopped = Stopwatch.StartNew();
        DrainClient.Signal(server.Process.Pid, "TERM");

        // The client is told to join again, with a reason and a delay hint, then the socket closes with 1012.
        var reconnect = await alice.ExpectAsync("reconnect", TimeSpan.FromSeconds(5));
        Assert.Equal("serverRestart", reconnect.GetProperty("reason").GetString());
        Assert.InRange(reconnect.GetProperty("delay").GetInt32(), 0, 2000);
        var (code, reason) = await alice.Closed.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal((WebSocketCloseStatus)1012, code);
        Assert.StartsWith("server restarting", reason);

        // Unready while still serving: a load balancer stops sending people here.
        Assert.Equal(503, await DrainClient.ReadyAsync(server.Http));
        Assert.Equal(200, (int)(await server.Http.GetAsync("/healthz")).StatusCode);

        // A join now is refused with "try again later".
        await using (var late = await RtcSocket.ConnectAsync(server.HttpPort, await DrainClient.TokenAsync(server.Http, "drain", "Carol")))
        {
            var refused = await late.Closed.WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal((WebSocketCloseStatus)1013, refused.Code);
            Assert.StartsWith("server restarting", refused.Reason);
        }

        // No new allocation (508: try another server), but the one held keeps refreshing until the bound.
        using (var newcomer = new LongTermClient(server.Turn, user, password)) // valid credentials, another 5-tuple
            Assert.Equal(508, await AllocateAsync(newcomer));
        var refreshes = 0;
        while (stopped.Elapsed < TimeSpan.FromSeconds(3.2))
        {
            Assert.Equal(200, await RefreshAsync(turn));
            refreshes++;
            await Task.Delay(400);
        }
        Assert.False(server.Process.HasExited, "confer exited before the drain bound while an allocation was alive");

        Assert.Equal(0, await server.Process.ExitCodeAsync(TimeSpan.FromSeconds(15)));
        var took = stopped.Elapsed;
        Console.WriteLine($"SIGTERM with one allocation, --drain-timeout 4s: exited 0 after {took.TotalSeconds:0.0} s; {refreshes} refreshes during the drain");
        Assert.InRange(took, TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(12));
        Assert.Contains("Drain time over", server.Process.Stdout);
    }

    [Fact]
    public async Task Sigterm_LastAllocationDeleted_ExitsZeroAtOnce()
    {
        await using var server = await StartAsync("60s");
        var (alice, turn, _, _) = await JoinAndAllocateAsync(server, "Alice");
        await using var _ = alice;
        using var __ = turn;

        DrainClient.Signal(server.Process.Pid, "TERM");
        await alice.ExpectAsync("reconnect", TimeSpan.FromSeconds(5));
        await Task.Delay(1000);
        Assert.False(server.Process.HasExited, "confer did not wait for the allocation");
        Assert.Equal(200, await RefreshAsync(turn));

        var deleted = Stopwatch.StartNew();
        Assert.Equal(200, await RefreshAsync(turn, 0)); // the client releases its allocation
        Assert.Equal(0, await server.Process.ExitCodeAsync(TimeSpan.FromSeconds(15)));
        Console.WriteLine($"last allocation deleted during the drain: exited 0 {deleted.Elapsed.TotalSeconds:0.0} s later");
        Assert.True(deleted.Elapsed < TimeSpan.FromSeconds(5), $"exited {deleted.Elapsed} after the last allocation went");
        Assert.Contains("Drained after", server.Process.Stdout);
    }

    [Fact]
    public async Task SecondSignal_DuringTheDrain_ExitsAtOnce()
    {
        await using var server = await StartAsync("60s");
        var (alice, turn, _, _) = await JoinAndAllocateAsync(server, "Alice");
        await using var _ = alice;
        using var __ = turn;

        DrainClient.Signal(server.Process.Pid, "TERM");
        await alice.ExpectAsync("reconnect", TimeSpan.FromSeconds(5));
        Assert.Equal(503, await DrainClient.ReadyAsync(server.Http));
        var second = Stopwatch.StartNew();
        DrainClient.Signal(server.Process.Pid, "TERM");
        Assert.Equal(143, await server.Process.ExitCodeAsync(TimeSpan.FromSeconds(10)));
        Assert.True(second.Elapsed < TimeSpan.FromSeconds(5), $"the second SIGTERM took {second.Elapsed}");
        Assert.Contains("stopping at once", server.Process.Stderr);
    }

    [Fact]
    public async Task CtrlC_NothingToDrain_ExitsZeroPromptly()
    {
        await using var server = await StartAsync("30s");
        Assert.Equal(200, await DrainClient.ReadyAsync(server.Http));
        var stopped = Stopwatch.StartNew();
        DrainClient.Signal(server.Process.Pid, "INT");
        Assert.Equal(0, await server.Process.ExitCodeAsync(TimeSpan.FromSeconds(15)));
        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(5), $"stopping with nothing to drain took {stopped.Elapsed}");
    }

    [Theory]
    [InlineData("soon", "is not a duration")]
    [InlineData("45m", "between 0 and 30 minutes")]
    [InlineData("2h", "between 0 and 30 minutes")]
    public async Task DrainTimeout_BadValue_OneSentence(string value, string expected)
    {
        await using var serve = ServeProcess.Start(["--dev", "--bind", "127.0.0.1", "--http-port", "0", "--turn-port", "0", "--drain-timeout", value]);
        Assert.Equal(2, await serve.ExitCodeAsync(TimeSpan.FromSeconds(60)));
        var line = Assert.Single(serve.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("confer: --drain-timeout", line);
        Assert.Contains(expected, line);
    }
}
