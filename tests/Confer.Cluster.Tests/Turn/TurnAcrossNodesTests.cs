using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confer.Server.Tests.Hosting;
using Confer.Signaling.Auth;
using Confer.Stun;

namespace Confer.Cluster.Tests.Turn;

/// <summary>Issue 17 item 3: TURN REST credentials handed out by one node work on every node (they share the secret).</summary>
[Collection("cluster")]
public sealed class TurnAcrossNodesTests(ThreeNodes cluster) : IClassFixture<ThreeNodes>
{
    [Fact]
    public async Task Allocate_WithCredentialsFromAnotherNode_Succeeds()
    {
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[2]);
        var (username, credential) = await IceCredentialsAsync(a);

        using (var client = new LongTermClient(new IPEndPoint(IPAddress.Loopback, b.TurnPort), username, credential))
            Assert.Equal(200, await client.RequestAsync(StunMethod.Allocate, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24)));

        // The control: the same username with a password that is not the HMAC is refused by that node.
        using var forged = new LongTermClient(new IPEndPoint(IPAddress.Loopback, b.TurnPort), username, credential[..^4] + "AAA=");
        Assert.Equal(401, await forged.RequestAsync(StunMethod.Allocate, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24)));
    }

    /// <summary>The TURN username and password node <paramref name="node"/> gives a participant (GET /rtc/ice-servers).</summary>
    private static async Task<(string Username, string Credential)> IceCredentialsAsync(Support.ClusterNode node)
    {
        var token = AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, "dave", new VideoGrant { Room = "turn-room", RoomJoin = true },
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{node.HttpPort}") };
        var body = await http.GetFromJsonAsync<JsonElement>($"/rtc/ice-servers?access_token={token}");
        foreach (var server in body.GetProperty("iceServers").EnumerateArray())
            if (server.TryGetProperty("username", out var u) && u.GetString() is { } user && server.GetProperty("credential").GetString() is { } pass)
                return (user, pass);
        throw new InvalidOperationException($"no TURN credentials in {body}");
    }
}
