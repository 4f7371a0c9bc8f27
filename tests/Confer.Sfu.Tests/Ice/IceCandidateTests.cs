using System.Net;
using Confer.Sfu.Ice;

namespace Confer.Sfu.Tests.Ice;

public sealed class IceCandidateTests
{
    [Fact]
    public void ComputePriority_HostUdp_RfcFormula()
    {
        // RFC 8445 §5.1.2.1: 2^24*126 + 2^8*65535 + (256-1).
        Assert.Equal(2_130_706_431u, IceCandidate.ComputePriority(126, 65535, 1));
        Assert.Equal(2_130_706_430u, IceCandidate.ComputePriority(126, 65535, 2));
        Assert.Equal(255u, IceCandidate.ComputePriority(0, 0, 1));
    }

    [Fact]
    public void HostUdp_Format_IsAnSdpCandidateLine()
    {
        var candidate = IceCandidate.HostUdp(IPAddress.Parse("203.0.113.5"), 3478);
        Assert.Equal("candidate:1 1 udp 2130706431 203.0.113.5 3478 typ host", candidate.ToString());
        Assert.Equal("a=candidate:1 1 udp 2130706431 203.0.113.5 3478 typ host", candidate.ToSdpLine());
    }

    [Fact]
    public void HostTcpPassive_Format_TcptypeAndLowerPriorityThanUdp()
    {
        var address = IPAddress.Parse("203.0.113.5");
        var tcp = IceCandidate.HostTcpPassive(address, 3478);
        // RFC 6544 §4.2: local preference 2^13*4 + 8191 = 40959.
        Assert.Equal(IceCandidate.ComputePriority(126, 40959, 1), tcp.Priority);
        Assert.Equal("candidate:2 1 tcp 2124414975 203.0.113.5 3478 typ host tcptype passive", tcp.ToString());
        Assert.True(tcp.Priority < IceCandidate.HostUdp(address, 3478).Priority);
        Assert.True(IceCandidate.HostUdp(address, 3478, addressIndex: 1).Priority > tcp.Priority);
    }

    [Fact]
    public void HostUdp_IPv6_AddressWrittenPlain()
    {
        Assert.Contains(" 2001:db8::1 3478 typ host", IceCandidate.HostUdp(IPAddress.Parse("2001:db8::1"), 3478, 1).ToString());
    }

    [Theory]
    [InlineData("a=candidate:842163049 1 udp 1677729535 198.51.100.7 61665 typ srflx raddr 10.0.0.2 rport 61665 generation 0 ufrag EsAw network-id 1 network-cost 10")]
    [InlineData("candidate:3098175849 1 udp 2122260223 3b2c1f1e-6f2b-4c8e-9a4b-1d2e3f4a5b6c.local 54400 typ host generation 0")]
    [InlineData("candidate:1 1 TCP 1518280447 10.0.0.2 9 typ host tcptype active")]
    [InlineData("candidate:4 1 udp 41885439 203.0.113.9 50000 typ relay raddr 198.51.100.7 rport 61665")]
    public void TryParse_ChromeAndFirefoxLines_Parsed(string line)
    {
        Assert.True(IceCandidate.TryParse(line, out var candidate));
        Assert.Equal(1, candidate.Component);
        Assert.True(candidate.Port > 0);
    }

    [Fact]
    public void TryParse_Srflx_FieldsRead()
    {
        Assert.True(IceCandidate.TryParse("a=candidate:842163049 1 udp 1677729535 198.51.100.7 61665 typ srflx raddr 10.0.0.2 rport 61665 generation 0", out var c));
        Assert.Equal(new IceCandidate("842163049", 1, IceProtocol.Udp, 1677729535, "198.51.100.7", 61665, IceCandidateType.ServerReflexive, IceTcpType.None, "10.0.0.2", 61665), c);
    }

    [Fact]
    public void TryParse_OwnFormat_RoundTrips()
    {
        var tcp = IceCandidate.HostTcpPassive(IPAddress.Parse("203.0.113.5"), 443);
        Assert.True(IceCandidate.TryParse(tcp.ToSdpLine(), out var parsed));
        Assert.Equal(tcp, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("candidate:")]
    [InlineData("candidate:1 1 udp 2130706431 203.0.113.5 3478 typ")]
    [InlineData("candidate:1 1 sctp 2130706431 203.0.113.5 3478 typ host")]
    [InlineData("candidate:1 0 udp 2130706431 203.0.113.5 3478 typ host")]
    [InlineData("candidate:1 1 udp -5 203.0.113.5 3478 typ host")]
    [InlineData("candidate:1 1 udp 2130706431 203.0.113.5 70000 typ host")]
    [InlineData("candidate:1 1 udp 2130706431 203.0.113.5 3478 type host")]
    [InlineData("candidate:1 1 udp 2130706431 203.0.113.5 3478 typ weird")]
    public void TryParse_Broken_False(string line) => Assert.False(IceCandidate.TryParse(line, out _));
}
