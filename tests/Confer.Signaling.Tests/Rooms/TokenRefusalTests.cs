using Confer.Signaling.Tests.Support;

namespace Confer.Signaling.Tests.Rooms;

public sealed class TokenRefusalTests
{
    public static TheoryData<string, int, string> Cases => new()
    {
        { "expired", 4001, "invalid token: token expired" },
        { "forged", 4001, "invalid token: signature does not match" },
        { "future", 4001, "invalid token: token not yet valid" },
        { "noJoin", 4003, "permission denied: the token has no roomJoin grant" },
        { "otherRoom", 4003, "permission denied: the token is for another room" },
        { "garbage", 4001, "invalid token: malformed token" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Connect_BadToken_ClosedWithReasonAndNoState(string kind, int code, string reason)
    {
        await using var server = await TestServer.StartAsync();
        var now = server.Time.GetUtcNow();
        var (token, query) = kind switch
        {
            "expired" => (server.Token("r", "x", now: now.AddHours(-2), ttl: TimeSpan.FromHours(1)), ""),
            "forged" => (server.Token("r", "x", secret: "not-the-secret"), ""),
            "future" => (server.Token("r", "x", now: now.AddMinutes(10)), ""),
            "noJoin" => (server.Token("r", "x", g => g.RoomJoin = false), ""),
            "otherRoom" => (server.Token("other", "x"), "&room=r"),
            _ => ("garbage", ""),
        };
        await using var client = await server.ConnectAsync(token, query);
        var (closeCode, closeReason) = await client.WaitClosedAsync();
        Assert.Equal(code, closeCode);
        Assert.Equal(reason, closeReason);
        Assert.Equal(0, server.Rooms.RoomCount);
        Assert.Equal(0, server.Rooms.ParticipantCount);
    }

    [Fact]
    public async Task Validate_Endpoint_ExplainsRefusal()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Http };
        var ok = await http.GetAsync($"/rtc/validate?access_token={server.Token("r", "x")}");
        Assert.Equal(System.Net.HttpStatusCode.OK, ok.StatusCode);
        var bad = await http.GetAsync($"/rtc/validate?access_token={server.Token("r", "x", secret: "nope")}");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Contains("signature does not match", await bad.Content.ReadAsStringAsync());
    }
}
