using System.Net;
using Confer.Turn.Allocations;
using CsCheck;

namespace Confer.Turn.Tests.Handlers;

/// <summary>
/// The peer deny list range by range, the IPv6 forms that carry an IPv4 address (judged as that address: properties over
/// random IPv4 addresses, half of them drawn from the denied ranges), and this server's own addresses.
/// </summary>
public sealed class PeerPolicyTests
{
    private const int RelayMin = 49152, RelayMax = 65535;

    private static PeerPolicy Policy(Action<TurnOptions>? change = null, params string[] local)
    {
        var options = new TurnOptions { RelayPortMin = RelayMin, RelayPortMax = RelayMax };
        change?.Invoke(options);
        return new PeerPolicy(options, local.Select(IPAddress.Parse));
    }

    private static TransportAddress Peer(string address, int port = 5000) => TransportAddress.FromAddressBytes(IPAddress.Parse(address).GetAddressBytes(), (ushort)port);

    private static TransportAddress V4(uint address, int port = 5000) => new(address, (ushort)port, false);

    private static TransportAddress V6(UInt128 address, int port = 5000) => new(address, (ushort)port, true);

    [Theory]
    // IPv4: the ranges that were denied before …
    [InlineData("0.0.0.0"), InlineData("0.255.255.255"), InlineData("10.0.0.1"), InlineData("127.0.0.1"), InlineData("127.255.255.254")]
    [InlineData("169.254.169.254"), InlineData("172.16.0.1"), InlineData("172.31.255.255"), InlineData("192.168.0.1")]
    [InlineData("224.0.0.1"), InlineData("239.255.255.255"), InlineData("240.0.0.1"), InlineData("255.255.255.255")]
    // … and the ones issue 13 adds: carrier-grade NAT, IETF protocol assignments, benchmarking.
    [InlineData("100.64.0.1"), InlineData("100.100.100.200"), InlineData("100.127.255.255"), InlineData("192.0.0.8"), InlineData("192.0.0.255")]
    [InlineData("198.18.0.1"), InlineData("198.19.255.255")]
    // IPv6: unspecified, loopback, unique local, link-local, site-local, multicast.
    [InlineData("::"), InlineData("::1"), InlineData("fc00::1"), InlineData("fdff::1"), InlineData("fe80::1"), InlineData("febf::1")]
    [InlineData("fec0::1"), InlineData("feff::1"), InlineData("ff02::1")]
    // IPv6 carrying a denied IPv4: mapped, compatible, NAT64 (well-known and local /96), 6to4, Teredo (server and client).
    [InlineData("::ffff:127.0.0.1"), InlineData("::ffff:100.64.0.1"), InlineData("::127.0.0.1"), InlineData("::10.0.0.1")]
    [InlineData("64:ff9b::a9fe:a9fe"), InlineData("64:ff9b::7f00:1"), InlineData("64:ff9b:1::a00:1"), InlineData("64:ff9b:1:1::808:808")]
    [InlineData("2002:7f00:1::1"), InlineData("2002:a9fe:a9fe::"), InlineData("2001:0:7f00:1::808:808")]
    [InlineData("2001:0:808:808::f5ff:fffe")] // Teredo client 10.0.0.1 (XORed), server 8.8.8.8
    public void IsAllowed_DeniedRange_False(string address) => Assert.False(Policy().IsAllowed(Peer(address)));

    [Theory]
    [InlineData("8.8.8.8"), InlineData("100.63.255.255"), InlineData("100.128.0.0"), InlineData("192.0.1.1"), InlineData("198.17.255.255")]
    [InlineData("198.20.0.0"), InlineData("203.0.113.5"), InlineData("2001:db8::1"), InlineData("2a00:1450::1"), InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808"), InlineData("64:ff9b:1::808:808"), InlineData("2002:808:808::1"), InlineData("2001:0:808:808::f7f7:f7f7")]
    public void IsAllowed_PublicAddress_True(string address) => Assert.True(Policy().IsAllowed(Peer(address)));

    // Random IPv4 addresses, half of them inside a denied range, so both answers come up often.
    private static readonly (uint Prefix, int Length)[] Ranges =
    [
        (0x00000000, 8), (0x0A000000, 8), (0x64400000, 10), (0x7F000000, 8), (0xA9FE0000, 16), (0xAC100000, 12),
        (0xC0000000, 24), (0xC0A80000, 16), (0xC6120000, 15), (0xE0000000, 4), (0x08080800, 24),
    ];

    private static readonly Gen<uint> IPv4 = Gen.Frequency(
        (1, Gen.UInt),
        (1, from range in Gen.Int[0, Ranges.Length - 1] from low in Gen.UInt
            select Ranges[range].Prefix | (low >> Ranges[range].Length)));

    [Fact]
    public void IPv4Mapped_And_Compatible_JudgedAsTheIPv4()
    {
        var policy = Policy();
        IPv4.Sample(v4 =>
            policy.IsAllowed(V6(new UInt128(0, 0xFFFF_0000_0000UL | v4))) == policy.IsAllowed(V4(v4)) &&
            policy.IsAllowed(V6(new UInt128(0, v4))) == policy.IsAllowed(V4(v4)));
    }

    [Fact]
    public void Nat64_WellKnownAndLocal96_JudgedAsTheIPv4()
    {
        var policy = Policy();
        IPv4.Sample(v4 =>
            policy.IsAllowed(V6(new UInt128(0x0064_ff9b_0000_0000, v4))) == policy.IsAllowed(V4(v4)) &&
            policy.IsAllowed(V6(new UInt128(0x0064_ff9b_0001_0000, v4))) == policy.IsAllowed(V4(v4)));
    }

    [Fact]
    public void Nat64Local_OtherThanThe96Form_Refused()
    {
        var policy = Policy();
        Gen.Select(Gen.UInt, Gen.ULong[1, 0xFFFF_FFFF_FFFF]).Sample((v4, middle) => // bits 48-95, not all zero
            !policy.IsAllowed(V6(new UInt128(0x0064_ff9b_0001_0000 | (middle >> 32), ((middle & 0xFFFF_FFFF) << 32) | v4))));
    }

    [Fact]
    public void SixToFour_JudgedByTheIPv4InBits16To47()
    {
        var policy = Policy();
        Gen.Select(IPv4, Gen.ULong).Sample((v4, rest) =>
            policy.IsAllowed(V6(new UInt128(0x2002_0000_0000_0000UL | ((ulong)v4 << 16) | (rest >> 48), rest))) == policy.IsAllowed(V4(v4)));
    }

    [Fact]
    public void Teredo_JudgedByServerAndXoredClientIPv4_BothMustPass()
    {
        var policy = Policy();
        Gen.Select(IPv4, IPv4, Gen.UInt).Sample((server, client, flagsAndPort) =>
        {
            var teredo = new UInt128(0x2001_0000_0000_0000UL | server, ((ulong)flagsAndPort << 32) | ~client);
            return policy.IsAllowed(V6(teredo)) == (policy.IsAllowed(V4(server)) && policy.IsAllowed(V4(client)));
        });
    }

    [Fact]
    public void OwnAddress_RefusedExceptItsRelayPorts_WhenItIsARelayAddress()
    {
        var policy = Policy(local: ["203.0.113.7", "198.51.100.9"]);
        policy.AddServerAddress(Peer("203.0.113.7", 0), relay: true);
        Assert.False(policy.IsAllowed(Peer("203.0.113.7", 3478)));     // its TURN port
        Assert.False(policy.IsAllowed(Peer("203.0.113.7", 443)));
        Assert.True(policy.IsAllowed(Peer("203.0.113.7", RelayMin)));  // another client's relayed address
        Assert.True(policy.IsAllowed(Peer("203.0.113.7", RelayMax)));
        Assert.False(policy.IsAllowed(Peer("198.51.100.9", RelayMin))); // an interface address that relays nothing
        Assert.False(policy.IsAllowed(Peer("::ffff:198.51.100.9")));     // also when mapped
        Assert.False(policy.IsAllowed(Peer("::ffff:203.0.113.7", 3478)));
        Assert.True(policy.IsAllowed(Peer("203.0.113.7", 3478), checkPort: false)); // the source of an incoming connection
        Assert.True(policy.IsOwnAddress(Peer("198.51.100.9")));
    }

    [Fact]
    public void OwnAddress_ListeningAddressLearned_Refused()
    {
        var policy = Policy();
        Assert.True(policy.IsAllowed(Peer("203.0.113.8", 3478)));
        policy.AddServerAddress(Peer("203.0.113.8", 3478));
        Assert.False(policy.IsAllowed(Peer("203.0.113.8", 3478)));
        Assert.False(policy.IsAllowed(Peer("203.0.113.8", RelayMin))); // not a relay address
    }

    [Fact]
    public void ConfiguredRelayAddress_IsOwn_RelayPortsAllowed()
    {
        var policy = Policy(o => o.RelayAddress = IPAddress.Parse("203.0.113.9"));
        Assert.False(policy.IsAllowed(Peer("203.0.113.9", 3478)));
        Assert.True(policy.IsAllowed(Peer("203.0.113.9", 50000)));
    }

    [Fact]
    public void LoopbackAllowance_And_AllowedPeers_StillWork()
    {
        var loopback = Policy(o => o.AllowLoopbackPeers = true, "127.0.0.1", "::1");
        Assert.True(loopback.IsAllowed(Peer("127.0.0.1", 3478)));
        Assert.True(loopback.IsAllowed(Peer("::1")));
        Assert.True(loopback.IsAllowed(Peer("::ffff:127.0.0.1")));
        Assert.False(loopback.IsAllowed(Peer("10.0.0.1")));

        var allowed = Policy(o => { o.AllowedPeers.Add(IPNetwork.Parse("10.0.0.0/8")); o.AllowedPeers.Add(IPNetwork.Parse("100.64.0.0/10")); });
        Assert.True(allowed.IsAllowed(Peer("10.1.2.3")));
        Assert.True(allowed.IsAllowed(Peer("100.100.100.200")));
        Assert.True(allowed.IsAllowed(Peer("::ffff:10.1.2.3"))); // judged as the IPv4 address, which is allowed
        Assert.False(allowed.IsAllowed(Peer("192.168.1.1")));
    }

    [Fact]
    public void InterfaceAddresses_ReadWhenNotGiven_IncludeLoopback()
    {
        var policy = new PeerPolicy(new TurnOptions());
        Assert.True(policy.IsOwnAddress(Peer("127.0.0.1")));
    }
}
