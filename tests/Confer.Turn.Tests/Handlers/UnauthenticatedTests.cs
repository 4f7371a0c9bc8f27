using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Turn.Tests.Support;

namespace Confer.Turn.Tests.Handlers;

/// <summary>
/// What a stranger without credentials gets back, in bytes: nothing for a request that could never be valid, a 401 a
/// few times its request's size for one that could (rate-limited per source address), and a Binding answer always.
/// </summary>
public sealed class UnauthenticatedTests
{
    private static TurnOptions Options(Action<TurnOptions>? change = null)
    {
        var options = new TurnOptions { RelayPortMin = 51000, RelayPortMax = 51999 };
        options.Users["user"] = "pass";
        change?.Invoke(options);
        return options;
    }

    public static TheoryData<string, byte[]> CannotBeValid => new()
    {
        { "20-byte Allocate", StunTestMessages.Request(StunMethod.Allocate, fingerprint: false) },
        { "Allocate without REQUESTED-TRANSPORT", StunTestMessages.Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.Lifetime, 600)) },
        { "Refresh without an allocation", StunTestMessages.Request(StunMethod.Refresh, fingerprint: false) },
        { "CreatePermission without an allocation", StunTestMessages.Request(StunMethod.CreatePermission, fingerprint: false) },
        { "ChannelBind without an allocation", StunTestMessages.Request(StunMethod.ChannelBind, fingerprint: false) },
        { "Connect over UDP", StunTestMessages.Request(StunMethod.Connect, fingerprint: false) },
        { "unknown method 0x0ff", StunTestMessages.Build((StunMethod)0x0ff, StunClass.Request, fingerprint: false) },
        { "malformed", [0x00, 0x03, 0x00, 0x04, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 0] },
    };

    [Theory]
    [MemberData(nameof(CannotBeValid))]
    public async Task RequestThatCannotBeValid_GetsNoAnswer(string what, byte[] request)
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new UdpTestClient();
        await client.SendAsync(request, server.UdpEndPoint);
        Assert.True(await client.ReceiveRawAsync(400) is null, $"{what} was answered");
        Assert.Equal(0, server.Dispatcher.Allocations.Count);
    }

    [Fact]
    public async Task ValidLookingAllocate_Gets401_AFewTimesItsSize_WithoutSoftware()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new UdpTestClient();
        var request = StunTestMessages.Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24), fingerprint: false);
        Assert.Equal(28, request.Length); // the smallest Allocate that can succeed
        var response = await client.RequestAsync(request, server.UdpEndPoint);
        Assert.Equal(401, response.ErrorCode);
        Assert.False(response.Attributes.ContainsKey(StunAttributeType.Software));
        Assert.True(response.Bytes.Length <= 5 * request.Length, $"{response.Bytes.Length} bytes for a {request.Length}-byte request");
    }

    [Fact]
    public async Task ErrorResponses_CarryNoSoftware_SuccessesDo()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var success = await client.AllocateAsync();
        Assert.Equal("Confer", success.String(StunAttributeType.Software));
        var error = await client.AllocateAsync(); // 437: this 5-tuple has an allocation
        Assert.Equal(437, error.ErrorCode);
        Assert.False(error.Attributes.ContainsKey(StunAttributeType.Software));
        var forbidden = await client.CreatePermissionAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("10.0.0.1"), 1));
        Assert.Equal(403, forbidden.ErrorCode);
        Assert.False(forbidden.Attributes.ContainsKey(StunAttributeType.Software));
    }

    [Fact]
    public async Task Answers401_RateLimitedPerSourceAddress_RefillOnTheClock()
    {
        await using var server = await TestServer.StartAsync(Options(o => { o.UnauthenticatedBurst = 8; o.UnauthenticatedPerSecond = 2; }));
        using var client = new UdpTestClient();
        int Answered(IEnumerable<(byte[], System.Net.IPEndPoint)?> replies) => replies.Count(r => r is not null);

        async Task<int> BurstAsync(int count)
        {
            for (int i = 0; i < count; i++) await client.SendAsync(StunTestMessages.AllocateChallenge(), server.UdpEndPoint);
            var replies = new List<(byte[], System.Net.IPEndPoint)?>();
            while (await client.ReceiveRawAsync(400) is { } reply) replies.Add(reply);
            return Answered(replies);
        }

        Assert.Equal(8, await BurstAsync(20));
        server.Time.Advance(TimeSpan.FromSeconds(1)); // two more
        Assert.Equal(2, await BurstAsync(20));
        Assert.True(server.Metrics.Count("dropped", "unauthenticated_rate") >= 30);

        // Binding requests are not TURN's challenges: still answered, header-only ones included.
        using var browser = new UdpTestClient();
        var binding = await browser.RequestAsync(StunTestMessages.Request(StunMethod.Binding, fingerprint: false), server.UdpEndPoint);
        Assert.Equal(StunClass.SuccessResponse, binding.Type.Class);
    }

    [Fact]
    public async Task HeaderOnlyBinding_StillAnswered()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new UdpTestClient();
        var request = StunTestMessages.Request(StunMethod.Binding, fingerprint: false);
        Assert.Equal(20, request.Length);
        var response = await client.RequestAsync(request, server.UdpEndPoint);
        Assert.Equal(StunClass.SuccessResponse, response.Type.Class);
        Assert.Equal(client.LocalEndPoint, response.Address(StunAttributeType.XorMappedAddress, xor: true));
    }
}
