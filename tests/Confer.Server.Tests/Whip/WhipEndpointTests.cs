using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Confer.Server.Hosting;
using Confer.Signaling.Auth;
using Microsoft.AspNetCore.Builder;

namespace Confer.Server.Tests.Whip;

/// <summary>
/// The HTTP rules of WHIP ingest (RFC 9725; docs/protocol.md, "WHIP ingest") against a real host with the SFU:
/// tokens, grants, topology, body limits, the session resource, CORS preflight. The media itself is proven with
/// GStreamer and Chromium in Confer.Browser.Tests (Whip/WhipIngestTests).
/// </summary>
public sealed class WhipEndpointTests
{
    /// <summary>An encoder's offer as webrtcbin makes it: sendonly VP8 and Opus, max-bundle (audio port 0, bundle-only), msids naming nothing Confer knows.</summary>
    private const string Offer =
        "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE video0 audio1\r\na=ice-options:trickle\r\n" +
        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=setup:actpass\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" +
        "a=rtcp-mux\r\na=fingerprint:sha-256 C0:BF:77:06:C0:72:E6:EF:95:50:C3:54:F3:80:AB:68:34:F4:C7:61:B0:C8:3E:48:AF:83:41:B0:E2:87:A4:37\r\n" +
        "a=mid:video0\r\na=sendonly\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\na=ssrc:1111 msid:encoder webrtctransceiver0\r\na=ssrc:1111 cname:enc\r\n" +
        "m=audio 0 UDP/TLS/RTP/SAVPF 97\r\nc=IN IP4 0.0.0.0\r\na=bundle-only\r\na=setup:actpass\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" +
        "a=rtcp-mux\r\na=fingerprint:sha-256 C0:BF:77:06:C0:72:E6:EF:95:50:C3:54:F3:80:AB:68:34:F4:C7:61:B0:C8:3E:48:AF:83:41:B0:E2:87:A4:37\r\n" +
        "a=mid:audio1\r\na=sendonly\r\na=rtpmap:97 OPUS/48000/2\r\na=ssrc:2222 msid:encoder webrtctransceiver1\r\na=ssrc:2222 cname:enc\r\n";

    private static async Task<(WebApplication App, HttpClient Client)> StartAsync(string topology)
    {
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, Dev = true };
        options.Signaling.Topology = topology;
        options.Signaling.MaxSdpBytes = 32 * 1024; // under the request body cap (64 KiB), so each limit answers on its own
        var app = ConferHost.Build(options);
        await app.StartAsync();
        return (app, new HttpClient { BaseAddress = ConferHost.HttpAddress(app), Timeout = TimeSpan.FromSeconds(10) });
    }

    private static string Token(string room, VideoGrant? grant = null, string identity = "obs") =>
        AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, identity, grant ?? new VideoGrant { Room = room, RoomJoin = true },
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));

    private static HttpRequestMessage Post(string room, string? token, string body = Offer, string type = "application/sdp")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/whip/{room}") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(type);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    [Fact]
    public async Task Post_EncoderOffer_CreatedWithAnswerAndLocation_DeleteEndsParticipant()
    {
        var (app, client) = await StartAsync("sfu");
        await using var _ = app;
        using var __ = client;
        using var response = await client.SendAsync(Post("studio", Token("studio")));
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, answer);
        Assert.Equal("application/sdp", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("a=ice-lite", answer);
        Assert.Contains("a=mid:video0", answer);
        Assert.Contains("a=recvonly", answer);
        Assert.Contains("a=candidate:", answer);
        var location = response.Headers.Location!.ToString();
        Assert.StartsWith("/whip/studio/", location);

        var admin = Token("studio", new VideoGrant { Room = "studio", RoomAdmin = true }, "admin");
        using var list = new HttpRequestMessage(HttpMethod.Get, "/api/rooms/studio/participants");
        list.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        var participants = await (await client.SendAsync(list)).Content.ReadAsStringAsync();
        Assert.Contains("\"identity\":\"obs\"", participants);
        Assert.Contains("\"source\":\"camera\"", participants);
        Assert.Contains("\"source\":\"microphone\"", participants);

        using var delete = await client.DeleteAsync(location);
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        using var again = await client.DeleteAsync(location);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        using var list2 = new HttpRequestMessage(HttpMethod.Get, "/api/rooms/studio/participants");
        list2.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        var after = await (await client.SendAsync(list2)).Content.ReadAsStringAsync();
        Assert.DoesNotContain("\"identity\":\"obs\"", after);
    }

    [Fact]
    public async Task Post_RefusedOffers_StatusSaysWhy()
    {
        var (app, client) = await StartAsync("sfu");
        await using var _ = app;
        using var __ = client;

        using var noToken = await client.SendAsync(Post("studio", null));
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Contains("Bearer", noToken.Headers.WwwAuthenticate.ToString());
        using var wrongToken = await client.SendAsync(Post("studio", "not.a.token"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongToken.StatusCode);

        using var otherRoom = await client.SendAsync(Post("studio", Token("elsewhere")));
        Assert.Equal(HttpStatusCode.Forbidden, otherRoom.StatusCode);
        using var noPublish = await client.SendAsync(Post("studio", Token("studio", new VideoGrant { Room = "studio", RoomJoin = true, CanPublish = false })));
        Assert.Equal(HttpStatusCode.Forbidden, noPublish.StatusCode);
        Assert.Contains("canPublish", await noPublish.Content.ReadAsStringAsync());
        using var noCamera = await client.SendAsync(Post("studio", Token("studio", new VideoGrant { Room = "studio", RoomJoin = true, CanPublishSources = ["microphone"] })));
        Assert.Equal(HttpStatusCode.Forbidden, noCamera.StatusCode);
        using var noJoin = await client.SendAsync(Post("studio", Token("studio", new VideoGrant { Room = "studio" })));
        Assert.Equal(HttpStatusCode.Forbidden, noJoin.StatusCode);

        using var json = await client.SendAsync(Post("studio", Token("studio"), "{}", "application/json"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        using var notSdp = await client.SendAsync(Post("studio", Token("studio"), "hello"));
        Assert.Equal(HttpStatusCode.BadRequest, notSdp.StatusCode);
        using var nothingSent = await client.SendAsync(Post("studio", Token("studio"), Offer.Replace("a=sendonly", "a=inactive")));
        Assert.Equal(HttpStatusCode.BadRequest, nothingSent.StatusCode);
        using var hugeRequest = Post("studio", Token("studio"), Offer + new string('a', 70 * 1024));
        hugeRequest.Headers.ExpectContinue = true; // the 413 comes before the body is sent
        using var huge = await client.SendAsync(hugeRequest);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        using var large = await client.SendAsync(Post("studio", Token("studio"), Offer + "a=x-pad:" + new string('a', 40 * 1024) + "\r\n"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode); // past Signaling:MaxSdpBytes (32 KiB)

        using var unknown = await client.DeleteAsync("/whip/studio/0123456789abcdef0123456789abcdef");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var patch = await client.SendAsync(new HttpRequestMessage(HttpMethod.Patch, "/whip/studio/0123456789abcdef0123456789abcdef"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, patch.StatusCode);
    }

    [Fact]
    public async Task Post_MeshServer_ConflictSaysWhipNeedsTheSfu()
    {
        var (app, client) = await StartAsync("mesh");
        await using var _ = app;
        using var __ = client;
        using var response = await client.SendAsync(Post("studio", Token("studio")));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("WHIP needs the SFU topology", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Options_Preflight_AllowsPostOfSdpFromAnyOrigin()
    {
        var (app, client) = await StartAsync("sfu");
        await using var _ = app;
        using var __ = client;
        using var request = new HttpRequestMessage(HttpMethod.Options, "/whip/studio");
        request.Headers.Add("Origin", "https://studio.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization, content-type");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", response.Headers.GetValues("Access-Control-Allow-Methods").Single());
        Assert.Contains("Authorization", response.Headers.GetValues("Access-Control-Allow-Headers").Single());
        Assert.Equal("application/sdp", response.Headers.GetValues("Accept-Post").Single());
    }
}
