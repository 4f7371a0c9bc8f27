using Confer.Turn.Tests.Infrastructure;

namespace Confer.Turn.Tests.TurnInterop;

/// <summary>The uclient output parser on text captured from coturn 4.6.1 runs.</summary>
public sealed class UclientOutputTests
{
    private const string Lossless = """
        0: : Received wrong response tid; trying again...
        1: : Total connect time is 1
        6: : start_mclient: msz=2, tot_send_msgs=20, tot_recv_msgs=20, tot_send_bytes ~ 4000, tot_recv_bytes ~ 4000
        6: : start_mclient: tot_send_msgs=40, tot_recv_msgs=40
        6: : start_mclient: tot_send_bytes ~ 8000, tot_recv_bytes ~ 8000
        6: : Total transmit time is 5
        6: : Total lost packets 0 (0.000000%), total send dropped 0 (0.000000%)
        6: : Average round trip delay 3.100000 ms; min = 0 ms, max = 20 ms
        6: : Average jitter 9.800000 ms; min = 0 ms, max = 140 ms
        """;

    private static UclientOutput Parse(string stdout, int exitCode = 0) =>
        UclientOutput.Parse(new CommandResult("turnutils_uclient", exitCode, stdout, "", TimedOut: false));

    [Fact]
    public void Parse_LosslessRun_ReadsFinalTotals()
    {
        var output = Parse(Lossless);

        Assert.Equal(40, output.SentMessages);
        Assert.Equal(40, output.ReceivedMessages);
        Assert.Equal(8000, output.SentBytes);
        Assert.Equal(8000, output.ReceivedBytes);
        Assert.Equal(0, output.LostPackets);
        Assert.Equal(0, output.SendDropped);
        Assert.Equal(5, output.TransmitSeconds);
        Assert.Equal(3.1, output.AverageRttMs);
        Assert.Empty(output.Errors);
        Assert.True(output.IsLossless(40));
        Assert.False(output.IsLossless(41));
    }

    [Fact]
    public void Parse_LostPackets_IsNotLossless()
    {
        var output = Parse("""
            14: : start_mclient: tot_send_msgs=10, tot_recv_msgs=5
            14: : Total lost packets 5 (50.000000%), total send dropped 0 (0.000000%)
            """);

        Assert.Equal(5, output.LostPackets);
        Assert.False(output.IsLossless(10));
    }

    [Theory]
    [InlineData("0: : channel bind: error 403 (Forbidden IP)", 403)]
    [InlineData("0: : create permission error 403 (Forbidden IP)", 403)]
    [InlineData("0: : error 437 (Allocation Mismatch)", 437)]
    public void Parse_FailedRequest_ReportsErrorCode(string line, int code)
    {
        var output = Parse(line, exitCode: 255);

        Assert.Equal([code], output.ErrorCodes);
        Assert.Single(output.Errors);
        Assert.Null(output.SentMessages);
        Assert.False(output.IsLossless(0));
    }

    [Fact]
    public void Parse_ErrorLine_IsAnError()
    {
        var output = Parse("0: : ERROR: Cannot complete Allocation\n", exitCode: 255);

        Assert.Equal(["0: : ERROR: Cannot complete Allocation"], output.Errors);
        Assert.Empty(output.ErrorCodes);
    }

    [Fact]
    public void Parse_RetriedTlsHandshake_IsNotAnError()
    {
        var output = Parse("0: : tls_connect: cannot connect: rc=-1, ctx=1\n" + Lossless);

        Assert.Empty(output.Errors);
        Assert.True(output.IsLossless(40));
    }
}
