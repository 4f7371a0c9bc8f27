using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Confer.Cluster.Tests.Support;
using Confer.Server.Tests.Hosting;
using Confer.Server.Tests.Webhooks;
using Confer.Signaling.Auth;
using Confer.Signaling.Rooms;
using Xunit.Abstractions;

namespace Confer.Cluster.Tests.Forwarding;

/// <summary>
/// Failover (docs/scale-out.md, "Failover"): when the room's node dies, its participants resume through live nodes and their
/// sealed resume tokens make the room (same sid, metadata) and each participant (same sid, name, metadata) again there.
/// A token that was changed, has expired, or names another room or identity is refused with 4008.
/// </summary>
[Collection("cluster")]
public sealed class FailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private RedisProcess? _redis;
    private HookReceiver? _hooks;
    private readonly List<ClusterNode> _nodes = [];

    public async Task InitializeAsync()
    {
        _redis = await RedisProcess.StartAsync();
        _hooks = await HookReceiver.StartAsync();
        for (var i = 0; i < 2; i++)
            _nodes.Add(await ClusterNode.StartAsync(_redis.Uri, o =>
            {
                o.Webhooks.Urls.Add(_hooks!.Url);
                o.Webhooks.InitialBackoff = TimeSpan.FromMilliseconds(50);
            }));
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        if (_hooks is not null) await _hooks.DisposeAsync();
        _redis?.Dispose();
    }

    [Theory]
    [InlineData("KILL")]
    [InlineData("STOP")]
    public async Task RoomsNode_KilledOrHung_BothParticipantsResume_RoomAndSessionsMadeAgainOnALiveNode(string signal)
    {
        await using var serve = await ServeNode.StartAsync(_redis!, _nodes, "--webhook", _hooks!.Url);
        var (a, b) = (_nodes[0], _nodes[1]);
        using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{serve.HttpPort}") })
        {
            using var create = Request(HttpMethod.Post, "/api/rooms", new VideoGrant { RoomCreate = true });
            create.Content = JsonContent.Create(new { name = "failover", metadata = "agenda: failover" });
            using var created = await http.SendAsync(create);
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        await using var alice = await SignalClient.ConnectAsync(serve.HttpPort, Token("failover", "alice")); // on the room's node
        var aliceJoin = await alice.ExpectAsync("join", Wait);
        var roomSid = aliceJoin.GetProperty("room").GetProperty("sid").GetString();
        Assert.Equal("agenda: failover", aliceJoin.GetProperty("room").GetProperty("metadata").GetString());
        await alice.SendAsync(new { v = 1, id = 1, type = "updateMetadata", metadata = "alice's notes" });
        await alice.ExpectAsync("session", Wait); // the fresh sealed token carries the new metadata
        await using var bob = await SignalClient.ConnectAsync(a.HttpPort, Token("failover", "bob")); // forwarded to the room's node
        var bobJoin = await bob.ExpectAsync("join", Wait);
        await alice.ExpectAsync("participantJoined", Wait);
        Assert.Equal(1, a.Forwarded("failover"));
        var (aliceSid, bobSid) = (Sid(aliceJoin), Sid(bobJoin));
        await _hooks!.WaitAsync(r => Hooks(r, "participant_joined").Count == 2); // the room's node told of both before it died

        var clock = Stopwatch.StartNew();
        DrainClient.Signal(serve.Process.Pid, signal);
        // Alice's socket was on the dead node: it drops (or, on a hung node, the SDK's ping timeout gives up on it; here at
        // once), and she resumes through a live node until it answers (as the SDK does).
        var aliceResumed = Task.Run(async () =>
        {
            if (signal == "KILL") await alice.Closed.WaitAsync(Wait);
            var again = await ResumeUntilAsync(b, "alice", alice, TimeSpan.FromSeconds(20));
            return (again.Client, again.Resumed, clock.Elapsed);
        });
        // Bob's socket is on a live node: it is told to resume, not to join afresh.
        var reconnect = await bob.ExpectAsync("reconnect", TimeSpan.FromSeconds(20));
        Assert.True(reconnect.GetProperty("resume").GetBoolean());
        Assert.Equal((WebSocketCloseStatus)1012, (await bob.Closed.WaitAsync(Wait)).Code);
        var told = clock.Elapsed;
        var (bobAgain, bobResumed) = await ResumeUntilAsync(a, "bob", bob, TimeSpan.FromSeconds(20));
        var bobAt = clock.Elapsed;
        var (aliceAgain, aliceResumedFrame, aliceAt) = await aliceResumed;
        var bothAt = clock.Elapsed;
        await using var aliceSocket = aliceAgain;
        await using var bobSocket = bobAgain;
        output.WriteLine($"SIG{signal} of the room's node: bob told to resume after {told.TotalMilliseconds:0} ms, resumed after {bobAt.TotalMilliseconds:0} ms; " +
            $"alice resumed after {aliceAt.TotalMilliseconds:0} ms; both after {Math.Max(aliceAt.TotalMilliseconds, bobAt.TotalMilliseconds):0} ms");

        foreach (var resumed in new[] { aliceResumedFrame, bobResumed })
        {
            Assert.True(resumed.GetProperty("rebuilt").GetBoolean());
            Assert.False(resumed.GetProperty("complete").GetBoolean());
            Assert.Equal(roomSid, resumed.GetProperty("room").GetProperty("sid").GetString());
            Assert.Equal("agenda: failover", resumed.GetProperty("room").GetProperty("metadata").GetString());
        }
        Assert.Equal(aliceSid, Sid(aliceResumedFrame));
        Assert.Equal(bobSid, Sid(bobResumed));
        Assert.Equal("alice's notes", aliceResumedFrame.GetProperty("participant").GetProperty("metadata").GetString());
        // Whoever came back second found the other in the room; the first heard of the second with its old sid.
        var aliceFirst = bobResumed.GetProperty("otherParticipants").EnumerateArray().Any(p => p.GetProperty("sid").GetString() == aliceSid);
        var (secondFrame, first, firstSid, secondSid) = aliceFirst ? (bobResumed, aliceSocket, aliceSid, bobSid) : (aliceResumedFrame, bobSocket, bobSid, aliceSid);
        Assert.Contains(secondFrame.GetProperty("otherParticipants").EnumerateArray(), p => p.GetProperty("sid").GetString() == firstSid);
        await first.ExpectAsync("participantJoined", f => Sid(f) == secondSid, Wait);

        // The room lives on a live node now, the same seen from both, with both participants.
        var host = (await a.HostOfAsync("failover")).Silo;
        Assert.Equal(host, (await b.HostOfAsync("failover")).Silo);
        var node = host == a.Silo ? a : b;
        Assert.Equal(host, node.Silo);
        Assert.Equal(2, node.Participants("failover"));

        // Frames flow both ways again.
        await aliceSocket.SendAsync(new { v = 1, id = 2, type = "data", payload = "alice after failover" });
        await bobSocket.SendAsync(new { v = 1, id = 2, type = "data", payload = "bob after failover" });
        var fromAlice = await bobSocket.ExpectAsync("data", f => f.GetProperty("payload").GetString() == "alice after failover", Wait);
        Assert.Equal(aliceSid, fromAlice.GetProperty("from").GetString());
        await aliceSocket.ExpectAsync("data", f => f.GetProperty("payload").GetString() == "bob after failover", Wait);

        // A hang is found by missed probes only: it gets the hang detection's margin (FailureDetectionTests).
        // Webhooks: the new node starts the room again with its old sid and tells of each participant made again.
        await _hooks!.WaitAsync(r => Hooks(r, "participant_joined").Count == 4 && Hooks(r, "room_started").Count == 2);
        Assert.Single(Hooks(_hooks!.Accepted, "room_started").Select(h => h.Json.GetProperty("room").GetProperty("sid").GetString()).Distinct());
        Assert.Equal(new[] { aliceSid, aliceSid, bobSid, bobSid }.Order(StringComparer.Ordinal),
            Hooks(_hooks!.Accepted, "participant_joined").Select(h => h.Json.GetProperty("participant").GetProperty("sid").GetString()).Order(StringComparer.Ordinal));
        Assert.True(bothAt < TimeSpan.FromSeconds(signal == "STOP" ? 12 : 10), $"both resumed only after {bothAt.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task SealedToken_Tampered_Expired_OtherRoom_OtherIdentity_OtherSecret_Refused_ValidOneMakesTheSessionAgain()
    {
        var node = _nodes[0];
        var seal = new ResumeSeal(ClusterNode.TurnSecret);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var state = new ResumeState("sealed", "RM_sealedroom01", "room notes", 10, 300, now - 60_000, false, false, false,
            "PA_sealedeve001", "eve", "Eve", "eve's notes", false, now - 60_000, now + 60_000);
        var valid = seal.Seal(state)!;
        var tampered = valid[..40] + (valid[40] == 'A' ? 'B' : 'A') + valid[41..];

        await Refused(seal.Seal(state with { Expires = now - 1 })!, "expired");
        await Refused(tampered, "tampered");
        await Refused(seal.Seal(state with { Room = "another" })!, "another room");
        await Refused(seal.Seal(state with { Identity = "mallory" })!, "another identity");
        await Refused(new ResumeSeal("another-cluster-secret-0123456789abcdef").Seal(state)!, "another cluster's secret");
        await Refused("not-a-sealed-token", "a plain token");
        Assert.Equal(0, node.Participants("sealed"));

        // The control: the valid token makes room and session again, on the node asked (the room was nowhere).
        await using var eve = await SignalClient.ConnectAsync(node.HttpPort, Token("sealed", "eve"), Resume(valid, 7));
        var resumed = await eve.ExpectAsync("resumed", Wait);
        Assert.True(resumed.GetProperty("rebuilt").GetBoolean());
        Assert.Equal(("RM_sealedroom01", "room notes"), (resumed.GetProperty("room").GetProperty("sid").GetString(),
            resumed.GetProperty("room").GetProperty("metadata").GetString()));
        Assert.Equal(("PA_sealedeve001", "Eve", "eve's notes"), (Sid(resumed), resumed.GetProperty("participant").GetProperty("name").GetString(),
            resumed.GetProperty("participant").GetProperty("metadata").GetString()));
        Assert.NotEqual(valid, resumed.GetProperty("resumeToken").GetString());
        // Frames are numbered on from the client's lastSeen, so an SDK that drops ids it has seen takes them.
        await eve.SendAsync(new { v = 1, id = 1, type = "updateMetadata", metadata = "later notes" });
        Assert.True((await eve.ExpectAsync("participantUpdated", Wait)).GetProperty("id").GetInt64() > 7);

        // The same token again while the session lives: an ordinary resume that takes the session over (one session, not two).
        await using var again = await SignalClient.ConnectAsync(_nodes[1].HttpPort, Token("sealed", "eve"), Resume(valid, 0));
        Assert.False((await again.ExpectAsync("resumed", Wait)).TryGetProperty("rebuilt", out _));
        Assert.Equal((WebSocketCloseStatus)4005, (await eve.Closed.WaitAsync(Wait)).Code);
        Assert.Equal(1, node.Participants("sealed"));

        // Once the session has left, its old token cannot bring it back.
        await again.CloseAsync();
        Assert.True(await ServeNode.UntilAsync(() => node.Participants("sealed") == 0, Wait), "eve did not leave"); // the leave goes to the room's node after the close
        await Refused(valid, "a session that left");

        async Task Refused(string token, string what)
        {
            await using var client = await SignalClient.ConnectAsync(node.HttpPort, Token("sealed", "eve"), Resume(token, 0));
            var closed = await client.Closed.WaitAsync(Wait);
            Assert.True(closed.Code == (WebSocketCloseStatus)4008, $"{what}: closed with {closed.Code} {closed.Reason}");
        }
    }

    [Fact]
    public async Task SameSealedToken_TwiceAtOnce_OneSessionWins()
    {
        var seal = new ResumeSeal(ClusterNode.TurnSecret);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var token = seal.Seal(new ResumeState("twice", "RM_twiceroom001", null, 10, 300, now, false, false, false,
            "PA_twiceeve0001", "eve", null, null, false, now, now + 60_000))!;
        var connects = _nodes.Select(n => SignalClient.ConnectAsync(n.HttpPort, Token("twice", "eve"), Resume(token, 0))).ToList();
        var clients = await Task.WhenAll(connects);
        try
        {
            foreach (var c in clients) await c.ExpectAsync("resumed", Wait);
            // Both were answered; the later took the session over and the earlier was closed as replaced.
            var closed = await Task.WhenAny(clients.Select(c => c.Closed)).WaitAsync(Wait);
            Assert.Equal((WebSocketCloseStatus)4005, closed.Result.Code);
            var host = (await _nodes[0].HostOfAsync("twice")).Silo;
            Assert.Equal(1, _nodes.Single(n => n.Silo == host).Participants("twice"));
            Assert.Single(clients, c => !c.Closed.IsCompleted);
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }

    /// <summary>Resumes (through <paramref name="node"/>) until a <c>resumed</c> comes, as the SDK does; each refusal (1013 while the dead node is not yet declared dead) is tried again.</summary>
    private static async Task<(SignalClient Client, JsonElement Resumed)> ResumeUntilAsync(ClusterNode node, string identity, SignalClient old, TimeSpan within)
    {
        var token = LatestResumeToken(old);
        var deadline = Stopwatch.StartNew();
        var attempts = new List<string>();
        while (deadline.Elapsed < within)
        {
            var client = await SignalClient.ConnectAsync(node.HttpPort, Token("failover", identity), Resume(token, old.LastId));
            try
            {
                var first = await Task.WhenAny(client.ExpectAsync("resumed", within), client.Closed);
                if (first is Task<JsonElement> { IsCompletedSuccessfully: true } got) return (client, got.Result);
                var closed = await client.Closed;
                attempts.Add($"{closed.Code} {closed.Reason}");
                Assert.NotEqual((WebSocketCloseStatus)4008, closed.Code);
            }
            catch (TimeoutException)
            {
                attempts.Add("no answer");
            }
            await client.DisposeAsync();
            await Task.Delay(100);
        }
        throw new TimeoutException($"{identity} did not resume: {string.Join("; ", attempts)}");
    }

    private static List<HookRequest> Hooks(IReadOnlyList<HookRequest> all, string type) =>
        [.. all.Where(h => h.RoomName == "failover" && h.Event == type && h.Status is >= 200 and < 300)];

    private static string LatestResumeToken(SignalClient client)
    {
        var session = client.AllOf("session");
        return session.Count > 0 ? session[^1].GetProperty("resumeToken").GetString()!
            : client.AllOf("join")[0].GetProperty("resumeToken").GetString()!;
    }

    private static string Resume(string token, long lastSeen) => $"&resume={Uri.EscapeDataString(token)}&lastSeen={lastSeen}";

    private static string? Sid(JsonElement frame) => frame.GetProperty("participant").GetProperty("sid").GetString();

    private static HttpRequestMessage Request(HttpMethod method, string path, VideoGrant grant)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer",
            AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, "api", grant, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        return request;
    }

    private static string Token(string room, string identity) =>
        AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, identity,
            new VideoGrant { Room = room, RoomJoin = true, CanUpdateOwnMetadata = true }, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
}
