using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Confer.Bench.Signaling;

/// <summary>
/// The extra latency of one hop between nodes, in one room: two clients on the room's node (a sender and a receiver)
/// and two on another node. The room-node sender's messages reach the local receiver with no hop and the other
/// node's receiver with one (room's node to socket's node); the other node's sender's messages reach the local
/// receiver with one hop (socket's node to room's node) and its neighbour with two. One message in flight at a time.
/// </summary>
internal sealed class HopProbe
{
    private readonly BenchClient[] _clients = new BenchClient[4]; // sender on room node, receiver on room node, receiver elsewhere, sender elsewhere
    private readonly ConcurrentDictionary<string, double> _arrivals = new();
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromMinutes(30));
    private Task _keepAlive = Task.CompletedTask;

    public bool RoomOnFirstNode { get; private set; }

    /// <summary>Joins the probe room through <paramref name="roomNode"/> first (an idle cluster keeps a new room on the asked node) and checks that it did.</summary>
    public async Task JoinAsync(ServerProcess roomNode, ServerProcess other, Func<ServerProcess, string, string, Uri> url)
    {
        var before = await roomNode.MetricAsync("confer_signaling_rooms");
        var otherBefore = await other.MetricAsync("confer_signaling_rooms");
        string[] names = ["hop-a", "hop-b", "hop-c", "hop-d"];
        for (var i = 0; i < 4; i++)
        {
            var c = _clients[i] = new BenchClient(-1, i);
            var at = i < 2 ? roomNode : other;
            var me = i;
            c.OnData = (payload, now) => _arrivals[$"{me}:{payload.Split(':')[1]}"] = Stopwatch.GetElapsedTime(long.Parse(payload.Split(':')[2], CultureInfo.InvariantCulture), now).TotalMilliseconds;
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await c.JoinAsync(url(at, "hop-probe", names[i]), cts.Token);
        }
        RoomOnFirstNode = await roomNode.MetricAsync("confer_signaling_rooms") == before + 1 && await other.MetricAsync("confer_signaling_rooms") == otherBefore;
        _keepAlive = Task.Run(KeepAliveAsync);
    }

    // The probe's clients ping every 5 s (the server drops a client silent for 15 s; the others ping every 10 s), until closed.
    private async Task KeepAliveAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try { await Task.Delay(TimeSpan.FromSeconds(5), _stop.Token); }
            catch (OperationCanceledException) { return; }
            foreach (var c in _clients)
                await c.SendAsync($"{{\"type\":\"ping\",\"timestamp\":{Environment.TickCount64},\"lastSeen\":{c.LastSeen}}}");
        }
    }

    /// <summary>
    /// Sends up to <paramref name="count"/> messages from each sender, one at a time, within <paramref name="budget"/>;
    /// latencies by hops (0, 1 out, 1 in, 2). A message not seen within 2 s counts as lost.
    /// </summary>
    public async Task<HopResult> MeasureAsync(int count, string label, TimeSpan budget)
    {
        var clock = Stopwatch.StartNew();
        var zero = new List<double>();
        var outward = new List<double>();
        var inward = new List<double>();
        var two = new List<double>();
        var lost = 0;
        for (var k = 0; k < count && clock.Elapsed < budget; k++)
        {
            foreach (var (sender, local, remote, toLocal, toRemote) in new[] { (0, 1, 2, zero, outward), (3, 1, 2, inward, two) })
            {
                var id = $"{label}{k}s{sender}";
                await _clients[sender].SendAsync($"{{\"type\":\"data\",\"payload\":\"h:{id}:{Stopwatch.GetTimestamp()}\"}}");
                var wait = Stopwatch.StartNew();
                while (!(_arrivals.ContainsKey($"{local}:{id}") && _arrivals.ContainsKey($"{remote}:{id}")) && wait.Elapsed < TimeSpan.FromSeconds(2))
                    await Task.Delay(1);
                if (_arrivals.TryGetValue($"{local}:{id}", out var a)) toLocal.Add(a); else lost++;
                if (_arrivals.TryGetValue($"{remote}:{id}", out var b)) toRemote.Add(b); else lost++;
                await Task.Delay(50); // well under the server's per-participant message rate (Signaling:MessagesPerSecond)
            }
        }
        return new HopResult([.. zero], [.. outward], [.. inward], [.. two], lost);
    }

    public async Task CloseAsync()
    {
        await _stop.CancelAsync();
        await _keepAlive.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.WhenAll(_clients.Where(c => c is not null).Select(c => c.CloseAsync()));
    }
}

/// <summary>Probe latencies (ms) by the hops between nodes a message took.</summary>
internal sealed record HopResult(double[] Zero, double[] OneOut, double[] OneIn, double[] Two, int Lost)
{
    public double ExtraP50 => Stats.P(OneOut, 50) - Stats.P(Zero, 50);

    public override string ToString() =>
        $"no hop p50 {Stats.P(Zero, 50):F2} / p99 {Stats.P(Zero, 99):F2} ms; one hop out (room's node to socket's) p50 {Stats.P(OneOut, 50):F2} / p99 {Stats.P(OneOut, 99):F2} ms; " +
        $"one hop in p50 {Stats.P(OneIn, 50):F2} / p99 {Stats.P(OneIn, 99):F2} ms; two hops p50 {Stats.P(Two, 50):F2} / p99 {Stats.P(Two, 99):F2} ms; " +
        $"one hop adds {ExtraP50:F2} ms at p50 ({Zero.Length} messages a class" + (Lost > 0 ? $", {Lost} lost)" : ")");
}
