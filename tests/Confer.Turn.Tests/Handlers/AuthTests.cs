using System.Net;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Stun.Auth;
using Confer.Turn.Auth;
using Confer.Turn.Tests.Support;

namespace Confer.Turn.Tests.Handlers;

public sealed class AuthTests
{
    private static TurnOptions Options()
    {
        var options = new TurnOptions { Secret = "s3cret" };
        options.Users["user"] = "pass";
        return options;
    }

    [Fact]
    public async Task Allocate_WithoutIntegrity_Returns401WithRealmNonceAlgorithmsAndNoState()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new UdpTestClient();
        var request = StunTestMessages.Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24));
        var response = await client.RequestAsync(request, server.UdpEndPoint);

        Assert.Equal(401, response.ErrorCode);
        Assert.Equal("confer", response.String(StunAttributeType.Realm));
        Assert.StartsWith("obMatJos2", response.String(StunAttributeType.Nonce));
        Assert.Equal(new byte[] { 0, 2, 0, 0, 0, 1, 0, 0 }, response.Attributes[StunAttributeType.PasswordAlgorithms]);
        Assert.False(response.Attributes.ContainsKey(StunAttributeType.MessageIntegrity));
        Assert.True(response.FingerprintValid);
        Assert.Equal(0, server.Dispatcher.Allocations.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Allocate_StaticUser_SucceedsAndResponseIsSigned(bool sha256)
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass", sha256);
        var response = await client.AllocateAsync();

        Assert.Equal(new StunMessageType(StunMethod.Allocate, StunClass.SuccessResponse), response.Type);
        Assert.True(StunMessage.TryRead(response.Bytes, out var message, out _));
        Assert.True(sha256 ? MessageIntegrity.VerifySha256(message, client.Key) : MessageIntegrity.VerifySha1(message, client.Key));
        Assert.Equal(1, server.Dispatcher.Allocations.Count);
    }

    [Fact]
    public async Task Allocate_WrongPassword_Returns401()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "wrong");
        Assert.Equal(401, (await client.AllocateAsync()).ErrorCode);
        Assert.Equal(0, server.Dispatcher.Allocations.Count);
    }

    [Fact]
    public async Task Allocate_ExpiredNonce_Returns438WithFreshNonce()
    {
        var options = Options();
        await using var server = await TestServer.StartAsync(options);
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        await client.AllocateAsync(); // learns realm and nonce
        var old = client.Nonce;
        server.Time.Advance(options.NonceLifetime + TimeSpan.FromSeconds(1));
        var refresh = await client.Udp.RequestAsync(client.Signed(StunMethod.Refresh, null), server.UdpEndPoint);
        Assert.Equal(438, refresh.ErrorCode);
        Assert.NotEqual(old, refresh.String(StunAttributeType.Nonce));
    }

    [Fact]
    public async Task Allocate_UserHash_Succeeds()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new UdpTestClient();
        var challenge = await client.RequestAsync(StunTestMessages.AllocateChallenge(), server.UdpEndPoint);
        var nonce = challenge.String(StunAttributeType.Nonce);
        var key = LongTermKey.Derive(PasswordAlgorithm.Sha256, "user", "confer", "pass");
        var request = StunTestMessages.Request(StunMethod.Allocate, (ref StunMessageWriter w) =>
        {
            w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24);
            w.Add(StunAttributeType.UserHash, LongTermKey.UserHash("user", "confer"));
            w.AddString(StunAttributeType.Realm, "confer");
            w.AddString(StunAttributeType.Nonce, nonce);
            w.Add(StunAttributeType.PasswordAlgorithms, [0, 2, 0, 0, 0, 1, 0, 0]);
            w.Add(StunAttributeType.PasswordAlgorithm, [0, 2, 0, 0]);
            w.AddMessageIntegritySha256(key);
        });
        var response = await client.RequestAsync(request, server.UdpEndPoint);
        Assert.Equal(StunClass.SuccessResponse, response.Type.Class);
    }

    [Fact]
    public async Task Allocate_RestCredentials_ValidSucceedsExpiredFails()
    {
        await using var server = await TestServer.StartAsync(Options());
        var (user, password) = RestCredentials.Create("s3cret", "alice", server.Time.GetUtcNow().AddHours(1));
        using (var client = new TurnTestClient(server.UdpEndPoint, user, password))
            Assert.Equal(StunClass.SuccessResponse, (await client.AllocateAsync()).Type.Class);

        var (old, oldPassword) = RestCredentials.Create("s3cret", "alice", server.Time.GetUtcNow().AddSeconds(-1));
        using (var client = new TurnTestClient(server.UdpEndPoint, old, oldPassword))
            Assert.Equal(401, (await client.AllocateAsync()).ErrorCode);

        using (var client = new TurnTestClient(server.UdpEndPoint, user, "not-the-hmac"))
            Assert.Equal(401, (await client.AllocateAsync()).ErrorCode);
    }

    [Fact]
    public async Task RestCredentials_ExpiredAfterAllocating_AllocationLivesOn_NewAllocationsRefused()
    {
        // A meeting outlasts the credential it joined with: its allocation is refreshed and given permissions with
        // the same credential, while nobody can make a new allocation with it.
        await using var server = await TestServer.StartAsync(Options());
        var (user, password) = RestCredentials.Create("s3cret", "alice", server.Time.GetUtcNow().AddMinutes(2));
        using var client = new TurnTestClient(server.UdpEndPoint, user, password);
        Assert.Equal(StunClass.SuccessResponse, (await client.AllocateAsync()).Type.Class);

        server.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(StunClass.SuccessResponse, (await client.RequestAsync(StunMethod.Refresh)).Type.Class);
        Assert.Equal(StunClass.SuccessResponse, (await client.CreatePermissionAsync(new IPEndPoint(IPAddress.Parse("203.0.113.9"), 5000))).Type.Class);

        using var late = new TurnTestClient(server.UdpEndPoint, user, password);
        Assert.Equal(401, (await late.AllocateAsync()).ErrorCode);
    }

    [Fact]
    public void RestCredentials_Password_IsBase64HmacSha1OfUsername()
    {
        // coturn's use-auth-secret: base64(HMAC-SHA1(secret, "expiry:user")).
        var expected = Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData("k"u8, "1700000000:bob"u8));
        Assert.Equal(expected, RestCredentials.Password("k", "1700000000:bob"));
    }
}
