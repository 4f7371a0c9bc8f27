using System.Security.Cryptography;
using System.Text;
using Confer.Signaling.Auth;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Signaling.Tests.Auth;

public sealed class AccessTokenTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static (AccessTokenValidator Validator, FakeTimeProvider Time) Validator(string key = "devkey", string secret = "secret")
    {
        var keys = new ApiKeys();
        keys.Add(key, secret);
        var time = new FakeTimeProvider(Now);
        return (new AccessTokenValidator(keys, time), time);
    }

    private static string B64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A token built exactly as LiveKit's server SDKs shape it, signed with plain HMAC-SHA256.</summary>
    private static string LiveKitStyleToken(string key, string secret, string payloadJson)
    {
        var header = B64Url(Encoding.UTF8.GetBytes("""{"alg":"HS256","typ":"JWT"}"""));
        var payload = B64Url(Encoding.UTF8.GetBytes(payloadJson));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes($"{header}.{payload}"));
        return $"{header}.{payload}.{B64Url(mac)}";
    }

    [Fact]
    public async Task Validate_LiveKitShapedToken_IsAccepted()
    {
        var (validator, _) = Validator("APIabc123", "a-livekit-secret-of-reasonable-length-xyz");
        var nbf = Now.AddMinutes(-1).ToUnixTimeSeconds();
        var exp = Now.AddHours(6).ToUnixTimeSeconds();
        var jwt = LiveKitStyleToken("APIabc123", "a-livekit-secret-of-reasonable-length-xyz",
            $$$"""{"metadata":"{\"role\":\"host\"}","name":"Alice","video":{"roomJoin":true,"room":"team-sync","canPublish":true,"canSubscribe":true,"canPublishData":true,"canPublishSources":["camera","microphone"]},"sub":"alice","iss":"APIabc123","nbf":{{{nbf}}},"exp":{{{exp}}},"jti":"alice","kind":"standard","attributes":{}}""");

        var result = await validator.ValidateAsync(jwt);

        Assert.True(result.IsValid, result.Error);
        var t = result.Token!;
        Assert.Equal("alice", t.Identity);
        Assert.Equal("Alice", t.Name);
        Assert.Equal("{\"role\":\"host\"}", t.Metadata);
        Assert.Equal("team-sync", t.Video.Room);
        Assert.True(t.Video.RoomJoin);
        Assert.Equal(["camera", "microphone"], t.Video.ToPermission().CanPublishSources);
        Assert.Equal(exp, t.Expires.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task Validate_DevSecretShorterThanLibraryMinimum_IsAccepted()
    {
        var (validator, _) = Validator();
        var jwt = AccessTokenBuilder.Create("devkey", "secret", "bob", new VideoGrant { Room = "r", RoomJoin = true }, Now, TimeSpan.FromHours(1));
        Assert.True((await validator.ValidateAsync(jwt)).IsValid);
    }

    [Fact]
    public void Create_Token_HasLiveKitHeaderAndClaims()
    {
        var jwt = AccessTokenBuilder.Create("devkey", "secret", "bob", new VideoGrant { Room = "r", RoomJoin = true, CanPublish = false }, Now, TimeSpan.FromHours(6), "Bob");
        var parts = jwt.Split('.');
        Assert.Equal(3, parts.Length);
        var header = Encoding.UTF8.GetString(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(parts[0]));
        var payload = Encoding.UTF8.GetString(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(parts[1]));
        Assert.Contains("\"alg\":\"HS256\"", header);
        Assert.Contains("\"typ\":\"JWT\"", header);
        Assert.Contains("\"iss\":\"devkey\"", payload);
        Assert.Contains("\"sub\":\"bob\"", payload);
        Assert.Contains("\"name\":\"Bob\"", payload);
        Assert.Contains($"\"exp\":{Now.AddHours(6).ToUnixTimeSeconds()}", payload);
        Assert.Contains("\"video\":{\"room\":\"r\",\"roomJoin\":true", payload);
        Assert.Contains("\"canPublish\":false", payload);
        Assert.DoesNotContain("canSubscribe", payload); // absent means the default (true), as in LiveKit
    }

    [Fact]
    public void Grant_Absent_DefaultsLikeLiveKit()
    {
        var p = new VideoGrant().ToPermission();
        Assert.True(p.CanPublish);
        Assert.True(p.CanSubscribe);
        Assert.True(p.CanPublishData);
        Assert.False(p.CanUpdateMetadata);
        Assert.False(p.Hidden);
        Assert.Empty(p.CanPublishSources);
        Assert.True(p.MayPublishSource("screen_share"));
    }

    [Fact]
    public async Task Validate_Expired_IsRefused()
    {
        var (validator, time) = Validator();
        var jwt = AccessTokenBuilder.Create("devkey", "secret", "bob", new VideoGrant { Room = "r", RoomJoin = true }, Now, TimeSpan.FromMinutes(5));
        Assert.True((await validator.ValidateAsync(jwt)).IsValid);
        time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal("token expired", (await validator.ValidateAsync(jwt)).Error);
    }

    [Fact]
    public async Task Validate_NotYetValid_IsRefused()
    {
        var (validator, _) = Validator();
        var jwt = AccessTokenBuilder.Create("devkey", "secret", "bob", new VideoGrant { Room = "r", RoomJoin = true }, Now.AddMinutes(5), TimeSpan.FromHours(1));
        Assert.Equal("token not yet valid", (await validator.ValidateAsync(jwt)).Error);
    }

    [Theory]
    [InlineData("devkey", "wrong-secret", "signature does not match")]
    [InlineData("otherkey", "secret", "unknown API key")]
    public async Task Validate_ForgedOrUnknownKey_IsRefused(string key, string secret, string error)
    {
        var (validator, _) = Validator();
        var jwt = AccessTokenBuilder.Create(key, secret, "bob", new VideoGrant { Room = "r", RoomJoin = true }, Now, TimeSpan.FromHours(1));
        Assert.Equal(error, (await validator.ValidateAsync(jwt)).Error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-jwt")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJpc3MiOiJkZXZrZXkifQ.")]
    public async Task Validate_Garbage_IsRefusedWithoutThrowing(string jwt)
    {
        var (validator, _) = Validator();
        var result = await validator.ValidateAsync(jwt);
        Assert.False(result.IsValid);
        Assert.NotNull(result.Error);
    }

    [Fact]
    public async Task Validate_AlgNone_IsRefused()
    {
        var (validator, _) = Validator();
        var payload = B64Url(Encoding.UTF8.GetBytes($$$"""{"iss":"devkey","sub":"x","exp":{{{Now.AddHours(1).ToUnixTimeSeconds()}}},"video":{"room":"r","roomJoin":true}}"""));
        var header = B64Url(Encoding.UTF8.GetBytes("""{"alg":"none","typ":"JWT"}"""));
        Assert.False((await validator.ValidateAsync($"{header}.{payload}.")).IsValid);
    }

    [Fact]
    public void TurnCredentials_FollowRestScheme()
    {
        var (user, credential) = TurnCredentials.Create("s3cret", "alice", DateTimeOffset.FromUnixTimeSeconds(1767225600));
        Assert.Equal("1767225600:alice", user);
        Assert.Equal(Convert.ToBase64String(HMACSHA1.HashData("s3cret"u8, "1767225600:alice"u8)), credential);
    }

    [Theory]
    [InlineData("canPublish=false", true)]
    [InlineData("hidden=true", true)]
    [InlineData("canPublishSources=camera,microphone", true)]
    [InlineData("bogus=true", false)]
    [InlineData("canPublish=maybe", false)]
    [InlineData("canPublish", false)]
    public void Grant_Apply_ParsesCliSettings(string setting, bool ok)
    {
        Assert.Equal(ok, new VideoGrant().Apply(setting) is null);
    }

    [Fact]
    public void ApiKeys_AddFrom_ParsesPairs()
    {
        var keys = new ApiKeys();
        Assert.Null(keys.AddFrom("k1: s1, k2: s2"));
        Assert.True(keys.TryGetSecret("k2", out var s));
        Assert.Equal("s2", s);
        Assert.NotNull(new ApiKeys().AddFrom("nocolon"));
    }
}
