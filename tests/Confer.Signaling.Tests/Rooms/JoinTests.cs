using System.Security.Cryptography;
using System.Text;
using Confer.Signaling.Tests.Support;

namespace Confer.Signaling.Tests.Rooms;

public sealed class JoinTests
{
    [Fact]
    public async Task Join_FirstParticipant_GetsRoomSelfAndIceServers()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("team-sync", "alice", name: "Alice");

        var join = alice.Join!.Value;
        Assert.Equal(1, join.GetProperty("v").GetInt32());
        Assert.Equal(1, join.GetProperty("id").GetInt64());
        Assert.Equal(1, join.GetProperty("protocol").GetInt32());
        Assert.Equal("team-sync", join.GetProperty("room").GetProperty("name").GetString());
        Assert.Equal("alice", join.GetProperty("participant").GetProperty("identity").GetString());
        Assert.Equal("Alice", join.GetProperty("participant").GetProperty("name").GetString());
        Assert.StartsWith("PA_", alice.Sid);
        Assert.Equal(0, join.GetProperty("otherParticipants").GetArrayLength());
        Assert.False(string.IsNullOrEmpty(alice.ResumeToken));
        Assert.Equal(1, server.Rooms.RoomCount);
        Assert.Equal(1, server.Rooms.ParticipantCount);
    }

    [Fact]
    public async Task Join_IceServers_HaveTurnRestCredentialsExpiringWithToken()
    {
        await using var server = await TestServer.StartAsync(o => o.ExternalIceServers.Add("stun:stun.example.org:19302"));
        var token = server.Token("r", "alice", ttl: TimeSpan.FromHours(2));
        await using var alice = await TestClient.JoinAsync(server, token);

        var ice = alice.Join!.Value.GetProperty("iceServers");
        Assert.Equal(3, ice.GetArrayLength());
        Assert.Equal("stun:127.0.0.1:3478", ice[0].GetProperty("urls")[0].GetString());
        var turn = ice[1];
        Assert.Equal("turn:127.0.0.1:3478?transport=udp", turn.GetProperty("urls")[0].GetString());
        Assert.Equal("turn:127.0.0.1:3478?transport=tcp", turn.GetProperty("urls")[1].GetString());
        var username = turn.GetProperty("username").GetString()!;
        var expiry = server.Time.GetUtcNow().AddHours(2).ToUnixTimeSeconds();
        Assert.Equal($"{expiry}:alice", username);
        var expected = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(TestServer.TurnSecret), Encoding.UTF8.GetBytes(username)));
        Assert.Equal(expected, turn.GetProperty("credential").GetString());
        Assert.Equal("stun:stun.example.org:19302", ice[2].GetProperty("urls")[0].GetString());
    }

    [Fact]
    public async Task Join_Second_BothLearnOfEachOther()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        await using var bob = await server.JoinAsync("r", "bob");

        var others = bob.Join!.Value.GetProperty("otherParticipants");
        Assert.Equal(1, others.GetArrayLength());
        Assert.Equal("alice", others[0].GetProperty("identity").GetString());
        var joined = await alice.ExpectAsync("participantJoined");
        Assert.Equal("bob", joined.GetProperty("participant").GetProperty("identity").GetString());
        Assert.Equal(bob.Sid, joined.GetProperty("participant").GetProperty("sid").GetString());
        Assert.Equal(2, joined.GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task Leave_Message_OthersToldAndCountsReturnToZeroAfterEmptyTimeout()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        await using var bob = await server.JoinAsync("r", "bob");

        await bob.SendAsync(new { type = "leave" });
        var left = await alice.ExpectAsync("participantLeft");
        Assert.Equal("bob", left.GetProperty("identity").GetString());
        Assert.Equal("left", left.GetProperty("reason").GetString());
        var (code, _) = await bob.WaitClosedAsync();
        Assert.Equal(1000, code);

        await alice.SendAsync(new { type = "leave" });
        await alice.WaitClosedAsync();
        await server.AssertEmptyAsync();
        Assert.Equal(1, server.Rooms.RoomCount); // an empty room lingers for its timeout
        server.Time.Advance(server.Options.Signaling.EmptyTimeout + TimeSpan.FromSeconds(1));
        Assert.Equal(0, server.Rooms.RoomCount);
    }

    [Fact]
    public async Task Close_Normal_IsALeave()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        var bob = await server.JoinAsync("r", "bob");
        await bob.DisposeAsync(); // close 1000

        var left = await alice.ExpectAsync("participantLeft");
        Assert.Equal("left", left.GetProperty("reason").GetString());
        await TestServer.EventuallyAsync(() => server.Rooms.ParticipantCount == 1, "bob to be gone");
    }

    [Fact]
    public async Task Join_SameIdentity_ReplacesFirstWhichIsToldWhy()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        await using var bob1 = await server.JoinAsync("r", "bob");
        await alice.ExpectAsync("participantJoined");

        await using var bob2 = await server.JoinAsync("r", "bob");

        var leave = await bob1.ExpectAsync("leave");
        Assert.Equal("replaced", leave.GetProperty("reason").GetString());
        var (code, reason) = await bob1.WaitClosedAsync();
        Assert.Equal(4005, code);
        Assert.StartsWith("replaced", reason);
        var left = await alice.ExpectAsync("participantLeft");
        Assert.Equal("replaced", left.GetProperty("reason").GetString());
        Assert.Equal(bob1.Sid, left.GetProperty("sid").GetString());
        var joined = await alice.ExpectAsync("participantJoined");
        Assert.Equal(bob2.Sid, joined.GetProperty("participant").GetProperty("sid").GetString());
        Assert.NotEqual(bob1.Sid, bob2.Sid);
        Assert.Equal(2, server.Rooms.ParticipantCount);
    }

    [Fact]
    public async Task Join_FullRoom_RefusedWith4004AndOthersUndisturbed()
    {
        await using var server = await TestServer.StartAsync(o => o.DefaultMaxParticipants = 2);
        await using var a = await server.JoinAsync("r", "a");
        await using var b = await server.JoinAsync("r", "b");
        await a.ExpectAsync("participantJoined");

        await using var c = await server.ConnectAsync(server.Token("r", "c"));
        var (code, reason) = await c.WaitClosedAsync();
        Assert.Equal(4004, code);
        Assert.StartsWith("room full", reason);
        Assert.True(await a.NoneAsync("participantJoined"));
        Assert.Equal(2, server.Rooms.ParticipantCount);
    }

    [Fact]
    public async Task Hidden_Participant_IsNeverAnnounced()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        await using var ghost = await server.JoinAsync("r", "recorder", g => g.Hidden = true);
        Assert.Equal(1, ghost.Join!.Value.GetProperty("otherParticipants").GetArrayLength());
        await using var bob = await server.JoinAsync("r", "bob");

        Assert.Equal(1, bob.Join!.Value.GetProperty("otherParticipants").GetArrayLength()); // alice only
        var joined = await alice.ExpectAsync("participantJoined");
        Assert.Equal("bob", joined.GetProperty("participant").GetProperty("identity").GetString());
        await ghost.ExpectAsync("participantJoined"); // the hidden one still hears about others

        await ghost.SendAsync(new { type = "leave" });
        await ghost.WaitClosedAsync();
        Assert.True(await alice.NoneAsync("participantLeft"));
    }

    [Fact]
    public async Task UpdateMetadata_WithGrant_OthersSeeIt_WithoutGrant_Refused()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice", g => g.CanUpdateOwnMetadata = true);
        await using var bob = await server.JoinAsync("r", "bob");

        await alice.SendAsync(new { type = "updateMetadata", name = "Alice B.", metadata = "{\"hand\":true}" });
        var updated = await bob.ExpectAsync("participantUpdated");
        Assert.Equal("Alice B.", updated.GetProperty("participant").GetProperty("name").GetString());
        Assert.Equal("{\"hand\":true}", updated.GetProperty("participant").GetProperty("metadata").GetString());
        await alice.ExpectAsync("participantUpdated"); // her own confirmation

        await bob.SendAsync(new { type = "updateMetadata", name = "Mallory", id = 9 });
        var error = await bob.ExpectAsync("error");
        Assert.Equal("permission_denied", error.GetProperty("code").GetString());
        Assert.Equal(9, error.GetProperty("re").GetInt64());
        Assert.True(await alice.NoneAsync("participantUpdated"));
    }
}
