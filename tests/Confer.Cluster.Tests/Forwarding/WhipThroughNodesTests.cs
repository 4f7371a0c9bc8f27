using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Confer.Cluster.Tests.Support;
using Confer.Signaling.Auth;
using static Confer.Cluster.Tests.Placement.LoadPlacementTests;

namespace Confer.Cluster.Tests.Forwarding;

/// <summary>
/// WHIP ingest through any node (docs/scale-out.md, "Serving a room through any node"): an encoder's POST that lands on
/// a node without the room is served by the room's node, and the session's DELETE reaches it through any node.
/// </summary>
[Collection("cluster")]
public sealed class WhipThroughNodesTests(ThreeNodes cluster) : IClassFixture<ThreeNodes>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>An encoder's offer as webrtcbin makes it: sendonly VP8 and Opus, max-bundle.</summary>
    private const string Offer =
        "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE video0 audio1\r\na=ice-options:trickle\r\n" +
        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=setup:actpass\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" +
        "a=rtcp-mux\r\na=fingerprint:sha-256 C0:BF:77:06:C0:72:E6:EF:95:50:C3:54:F3:80:AB:68:34:F4:C7:61:B0:C8:3E:48:AF:83:41:B0:E2:87:A4:37\r\n" +
        "a=mid:video0\r\na=sendonly\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\na=ssrc:1111 msid:encoder webrtctransceiver0\r\na=ssrc:1111 cname:enc\r\n" +
        "m=audio 0 UDP/TLS/RTP/SAVPF 97\r\nc=IN IP4 0.0.0.0\r\na=bundle-only\r\na=setup:actpass\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" +
        "a=rtcp-mux\r\na=fingerprint:sha-256 C0:BF:77:06:C0:72:E6:EF:95:50:C3:54:F3:80:AB:68:34:F4:C7:61:B0:C8:3E:48:AF:83:41:B0:E2:87:A4:37\r\n" +
        "a=mid:audio1\r\na=sendonly\r\na=rtpmap:97 OPUS/48000/2\r\na=ssrc:2222 msid:encoder webrtctransceiver1\r\na=ssrc:2222 cname:enc\r\n";

    [Fact]
    public async Task Post_ToANodeWithoutTheRoom_IngestsOnTheRoomsNode_AndDeleteThroughAThirdNodeEndsIt()
    {
        // The room's node runs the SFU; the other two are mesh nodes, whose own WHIP path would refuse (409): the room's node decides.
        await using var sfu = await ClusterNode.StartAsync(cluster.Redis.Uri, o => o.Signaling.Topology = "sfu");
        Assert.True(await sfu.WaitActiveAsync(4, Wait));
        var (b, c) = (cluster.Nodes[1], cluster.Nodes[2]);
        await using var alice = await SignalClient.ConnectAsync(sfu.HttpPort, Token("studio", "alice"), "&protocol=2");
        await alice.ExpectAsync("join", Wait); // the room is now on the SFU node

        using var response = await Http(b).SendAsync(Post("studio", Token("studio", "obs")));
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, answer);
        Assert.Equal("application/sdp", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("a=ice-lite", answer);
        var ports = answer.Split("\r\n").Where(l => l.StartsWith("a=candidate:", StringComparison.Ordinal))
            .Select(l => int.Parse(l.Split(' ')[5], System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        Assert.NotEmpty(ports);
        Assert.Contains(sfu.TurnPort, ports); // the room node's media port
        Assert.DoesNotContain(b.TurnPort, ports);
        var location = response.Headers.Location!.ToString();
        Assert.StartsWith("/whip/studio/", location);
        Assert.Equal($"\"{location[(location.LastIndexOf('/') + 1)..]}\"", response.Headers.ETag?.ToString());

        // The encoder is a participant of the room on its node, and the browser there sees its camera.
        await alice.ExpectAsync("participantJoined", f => f.GetProperty("participant").GetProperty("identity").GetString() == "obs", Wait);
        Assert.Equal(2, sfu.Participants("studio"));
        Assert.Equal(0, b.Participants("studio"));

        // PATCH is the same on every node (ICE-lite: no trickle); DELETE through a third node ends the session on the room's node.
        using var patch = await Http(c).SendAsync(new HttpRequestMessage(HttpMethod.Patch, location));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, patch.StatusCode);
        using var delete = await Http(c).DeleteAsync(location);
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        await alice.ExpectAsync("participantLeft", f => f.GetProperty("identity").GetString() == "obs", Wait);
        Assert.Equal(1, sfu.Participants("studio"));
        foreach (var node in new[] { c, b, sfu })
        {
            using var again = await Http(node).DeleteAsync(location);
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
            Assert.Contains("no such WHIP session", await again.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Post_RefusedOnTheRoomsNode_GetsTheSameStatusAndSentenceThroughAnotherNode()
    {
        await using var sfu = await ClusterNode.StartAsync(cluster.Redis.Uri, o => o.Signaling.Topology = "sfu");
        Assert.True(await sfu.WaitActiveAsync(4, Wait));
        var b = cluster.Nodes[0];
        await using var alice = await SignalClient.ConnectAsync(sfu.HttpPort, Token("refusals", "alice"), "&protocol=2");
        await alice.ExpectAsync("join", Wait);

        var noFingerprint = string.Join("\r\n", Offer.Split("\r\n").Where(l => !l.StartsWith("a=fingerprint", StringComparison.Ordinal)));
        var noPublish = AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, "obs",
            new VideoGrant { Room = "refusals", RoomJoin = true, CanPublish = false }, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
        foreach (var (what, token, offer, status) in new[]
                 {
                     ("an offer the SFU refuses", Token("refusals", "obs"), noFingerprint, HttpStatusCode.BadRequest),
                     ("a token that may not publish", noPublish, Offer, HttpStatusCode.Forbidden),
                     ("an offer that sends nothing", Token("refusals", "obs"), Offer.Replace("a=sendonly", "a=inactive"), HttpStatusCode.BadRequest),
                 })
        {
            using var here = await Http(sfu).SendAsync(Post("refusals", token, offer));
            using var there = await Http(b).SendAsync(Post("refusals", token, offer));
            var (hereBody, thereBody) = (await here.Content.ReadAsStringAsync(), await there.Content.ReadAsStringAsync());
            Assert.True(here.StatusCode == status, $"{what}: {here.StatusCode} {hereBody}");
            Assert.Equal((here.StatusCode, hereBody), (there.StatusCode, thereBody));
        }
        Assert.Equal(1, sfu.Participants("refusals"));
    }

    private static HttpClient Http(ClusterNode node) =>
        new() { BaseAddress = new Uri($"http://127.0.0.1:{node.HttpPort}"), Timeout = TimeSpan.FromSeconds(15) };

    private static HttpRequestMessage Post(string room, string token, string body = Offer)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/whip/{room}") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/sdp");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }
}
