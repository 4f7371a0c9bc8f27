using System.Net.WebSockets;
using Confer.Signaling.Tests.Support;

namespace Confer.Signaling.Tests.Connections;

public sealed class AbuseTests
{
    [Fact]
    public async Task Frame_OverLimit_Closed1009_OthersToldKicked_CountsReturnToZero()
    {
        await using var server = await TestServer.StartAsync();
        await using var bob = await server.JoinAsync("r", "bob");
        await using var mallory = await server.JoinAsync("r", "mallory");
        await bob.ExpectAsync("participantJoined");

        await mallory.SendAsync(new { type = "chat", text = new string('x', new SignalingOptions().MaxFrameBytes + 1000) });
        var (code, reason) = await mallory.WaitClosedAsync();
        Assert.Equal(1009, code);
        Assert.StartsWith("frame too large", reason);
        Assert.Equal("kicked", (await bob.ExpectAsync("participantLeft")).GetProperty("reason").GetString());

        await bob.SendAsync(new { type = "ping", timestamp = 1 });
        await bob.ExpectAsync("pong"); // bob is fine
        await bob.SendAsync(new { type = "leave" });
        await server.AssertEmptyAsync();
    }

    [Theory]
    [InlineData("{not json", "invalid_json")]
    [InlineData("[1,2,3]", "invalid_json")]
    [InlineData("{\"type\":\"teleport\"}", "unknown_type")]
    [InlineData("{\"v\":1}", "unknown_type")]
    [InlineData("{\"v\":2,\"type\":\"ping\"}", "unsupported_version")]
    [InlineData("{\"type\":\"offer\",\"to\":\"bob\"}", "invalid_message")]
    [InlineData("{\"type\":\"publishTrack\",\"cid\":\"x\",\"kind\":\"smell\"}", "invalid_message")]
    [InlineData("{\"type\":\"muteTrack\",\"trackSid\":\"TR_x\",\"muted\":\"yes\"}", "invalid_json")]
    [InlineData("{\"type\":\"chat\",\"text\":\"\"}", "invalid_message")]
    public async Task BadFrame_GetsErrorAndConnectionStays(string frame, string code)
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        await using var bob = await server.JoinAsync("r", "bob");

        await alice.SendAsync(frame);
        Assert.Equal(code, (await alice.ExpectAsync("error")).GetProperty("code").GetString());
        await alice.SendAsync(new { type = "offer", to = "bob", sdp = "v=0" });
        await bob.ExpectAsync("offer");
    }

    [Fact]
    public async Task BinaryFrame_IsAnError()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        await alice.Ws.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Equal("invalid_json", (await alice.ExpectAsync("error")).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Flood_ClosedWith4009_OthersUndisturbed()
    {
        await using var server = await TestServer.StartAsync(o => { o.MessagesPerSecond = 10; o.MessageBurst = 20; });
        await using var bob = await server.JoinAsync("r", "bob");
        await using var mallory = await server.JoinAsync("r", "mallory");

        for (var i = 0; i < 50 && mallory.Ws.State == WebSocketState.Open; i++)
        {
            try { await mallory.SendAsync(new { type = "ping", timestamp = i }); }
            catch (WebSocketException) { break; }
        }
        var (code, reason) = await mallory.WaitClosedAsync();
        Assert.Equal(4009, code);
        Assert.StartsWith("rate limited", reason);
        Assert.Equal("kicked", (await bob.ExpectAsync("participantLeft")).GetProperty("reason").GetString());
        await TestServer.EventuallyAsync(() => server.Rooms.ParticipantCount == 1, "mallory to be removed");
    }

    [Fact]
    public async Task Flood_TokensRefillWithTime()
    {
        await using var server = await TestServer.StartAsync(o => { o.MessagesPerSecond = 10; o.MessageBurst = 10; });
        await using var alice = await server.JoinAsync("r", "alice");
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 9; i++) await alice.SendAsync(new { type = "ping", timestamp = i });
            for (var i = 0; i < 9; i++) await alice.ExpectAsync("pong");
            server.Time.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.False(alice.Closed.IsCompleted);
    }

    [Fact]
    public async Task RepeatedInvalidFrames_ClosedWith4012()
    {
        await using var server = await TestServer.StartAsync(o => o.MaxInvalidFrames = 5);
        await using var alice = await server.JoinAsync("r", "alice");
        for (var i = 0; i < 5; i++) await alice.SendAsync("nonsense");
        var (code, _) = await alice.WaitClosedAsync();
        Assert.Equal(4012, code);
        await server.AssertEmptyAsync();
    }

    [Fact]
    public async Task SlowConsumer_IsClosed_SenderAndOthersUnaffected()
    {
        await using var server = await SlowServerAsync(o => o.OutboundQueue = 16);
        var (sender, reader) = await CutOffSlowClientAsync(server, "frames");
        await using var _ = sender;
        await using var __ = reader;
        await sender.SendAsync(new { type = "chat", text = "still here" });
        await reader.ExpectAsync("chat");
        await TestServer.EventuallyAsync(() => server.Rooms.ParticipantCount == 2, "the slow client to be removed");
    }

    [Fact]
    public async Task SlowConsumer_ClosedByQueuedBytes_BeforeTheFrameCountIsReached()
    {
        await using var server = await SlowServerAsync(o =>
        {
            o.OutboundQueue = 4096; // never reached: 400 frames at most
            o.OutboundQueueBytes = 256 * 1024;
        });
        var (sender, reader) = await CutOffSlowClientAsync(server, "bytes");
        await sender.DisposeAsync();
        await reader.DisposeAsync();
    }

    private static Task<TestServer> SlowServerAsync(Action<SignalingOptions> limit) => TestServer.StartAsync(o =>
    {
        o.MessagesPerSecond = 100_000;
        o.MessageBurst = 100_000;
        o.ResumeGrace = TimeSpan.Zero;
        // 60 KB data to everyone, as fast as the sender can: only the slow client's queue may stop it.
        o.MaxDataBytes = 64 * 1024;
        o.SenderBytesPerSecond = int.MaxValue;
        o.SenderByteBurst = int.MaxValue;
        limit(o);
    });

    /// <summary>
    /// A client that never reads: its TCP buffers fill, then the server's queue, until the server cuts it off while
    /// 60 KB data messages keep reaching a reader. Returns the sender and the reader, still joined, for the caller to dispose.
    /// </summary>
    private static async Task<(TestClient Sender, TestClient Reader)> CutOffSlowClientAsync(TestServer server, string by)
    {
        var sender = await server.JoinAsync("r", "sender");
        var reader = await server.JoinAsync("r", "reader");
        await using var slow = await TestClient.ConnectAsync(server, server.Token("r", "slow"), read: false);
        await reader.ExpectAsync("participantJoined"); // slow

        var payload = new string('p', 60_000);
        var got = 0;
        for (var i = 0; i < 400 && server.Rooms.IsConnected(new("r"), "slow") == true; i++)
        {
            await sender.SendAsync(new { type = "data", payload }); // to everyone: a frame aimed at one person is refused, not queued, when its queue is half full
            await reader.ExpectAsync("data");
            got++;
            server.Time.Advance(TimeSpan.FromSeconds(1)); // lets the close timeout abort a socket stuck in a send
        }
        await TestServer.EventuallyAsync(() => server.Rooms.IsConnected(new("r"), "slow") != true, $"the slow client to be cut off by {by} ({got} messages sent)");
        Assert.Equal("disconnected", (await reader.ExpectAsync("participantLeft")).GetProperty("reason").GetString());
        return (sender, reader);
    }
}
