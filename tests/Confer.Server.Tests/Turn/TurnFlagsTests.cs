using System.CommandLine;
using System.Net;
using Confer.Server.Cli;
using Confer.Server.Hosting;
using Confer.Server.Turn;

namespace Confer.Server.Tests.Turn;

/// <summary>The TURN flags for dual allocations (--relay-ip, once per family), the bandwidth cap (--max-bps, --bps-burst) and RFC 6062 (--tcp-relay).</summary>
public sealed class TurnFlagsTests
{
    private static (string? Problem, ServerOptions Options) Apply(params string[] args)
    {
        var flags = new TurnFlags();
        var command = new Command("serve");
        flags.AddTo(command);
        var parse = command.Parse(args);
        Assert.Empty(parse.Errors);
        var options = new ServerOptions();
        return (flags.Apply(parse, options), options);
    }

    [Fact]
    public void RelayIp_OneOfEachFamily_GoesToTheRelayAddressOfThatFamily()
    {
        var (problem, options) = Apply("--relay-ip", "::1", "--relay-ip", "127.0.0.1");
        Assert.Null(problem);
        Assert.Equal(IPAddress.Loopback, options.RelayIP);
        Assert.Equal(IPAddress.IPv6Loopback, options.RelayIPv6);
        var turn = TurnHosting.CreateTurnOptions(options);
        Assert.Equal(IPAddress.Loopback, turn.RelayAddress);
        Assert.Equal(IPAddress.IPv6Loopback, turn.RelayAddressV6);
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.2")]
    [InlineData("::1", "::2")]
    public void RelayIp_TwoOfOneFamily_IsRefused(string first, string second)
    {
        var (problem, _) = Apply("--relay-ip", first, "--relay-ip", second);
        Assert.NotNull(problem);
        Assert.Contains("at most one of each family", problem);
    }

    [Fact]
    public void RelayIp_NotAnAddress_IsRefused() => Assert.Contains("is not an IP address", Apply("--relay-ip", "relay.example").Problem);

    [Fact]
    public void DefaultRelayAddresses_FromTheBindAddress()
    {
        // IPv4 bind: no IPv6 relay (a dual Allocate gets IPv4 and ADDRESS-ERROR-CODE 440); IPv6 bind: that address.
        var v4 = TurnHosting.CreateTurnOptions(new ServerOptions { Bind = IPAddress.Loopback });
        Assert.Equal(IPAddress.Loopback, v4.RelayAddress);
        Assert.Null(v4.RelayAddressV6);
        Assert.Equal(IPAddress.IPv6Loopback, TurnHosting.CreateTurnOptions(new ServerOptions { Bind = IPAddress.IPv6Loopback }).RelayAddressV6);
    }

    [Fact]
    public void MaxBps_AndBurst_ReachTheTurnOptions_2500000ByDefault_ZeroIsUnlimited()
    {
        Assert.Equal(2_500_000, TurnHosting.CreateTurnOptions(Apply().Options).MaxBytesPerSecond);
        Assert.Equal(0, TurnHosting.CreateTurnOptions(Apply("--max-bps", "0").Options).MaxBytesPerSecond);
        var (problem, options) = Apply("--max-bps", "125000", "--bps-burst", "250000");
        Assert.Null(problem);
        Assert.Null(options.Validate());
        var turn = TurnHosting.CreateTurnOptions(options);
        Assert.Equal(125_000, turn.MaxBytesPerSecond);
        Assert.Equal(250_000, turn.EffectiveBurstBytes);
    }

    [Fact]
    public void TcpRelay_OffByDefault_OnWithTheFlag()
    {
        Assert.False(TurnHosting.CreateTurnOptions(Apply().Options).TcpRelay);
        Assert.True(TurnHosting.CreateTurnOptions(Apply("--tcp-relay").Options).TcpRelay);
    }

    [Theory]
    [InlineData(-1L, 0L, "--max-bps")]
    [InlineData(1000L, -5L, "--bps-burst")]
    [InlineData(0L, 5000L, "--bps-burst needs --max-bps")]
    public void MaxBps_Impossible_IsASentence(long bps, long burst, string expected)
    {
        var problem = new ServerOptions { MaxBytesPerSecond = bps, BandwidthBurstBytes = burst }.Validate();
        Assert.NotNull(problem);
        Assert.Contains(expected, problem);
    }

    [Fact]
    public void Quotas_ReachTheTurnOptions_WithDefaults()
    {
        var defaults = TurnHosting.CreateTurnOptions(Apply().Options);
        Assert.Equal((100, 10_000, 64), (defaults.MaxAllocationsPerUser, defaults.MaxAllocations, defaults.MaxTcpConnectionsPerAllocation));
        var (problem, options) = Apply("--user-quota", "3", "--total-quota", "500", "--tcp-connection-quota", "8");
        Assert.Null(problem);
        Assert.Null(options.Validate());
        var turn = TurnHosting.CreateTurnOptions(options);
        Assert.Equal((3, 500, 8), (turn.MaxAllocationsPerUser, turn.MaxAllocations, turn.MaxTcpConnectionsPerAllocation));
    }

    [Theory]
    [InlineData("--user-quota", "0")]
    [InlineData("--total-quota", "-1")]
    [InlineData("--tcp-connection-quota", "0")]
    public void Quotas_Impossible_AreASentence(string flag, string value)
    {
        var (problem, options) = Apply(flag, value);
        Assert.Null(problem);
        var invalid = options.Validate();
        Assert.NotNull(invalid);
        Assert.StartsWith(flag + " " + value, invalid);
    }
}
