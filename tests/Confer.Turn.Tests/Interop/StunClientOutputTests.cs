using System.Net;
using Confer.Turn.Tests.Infrastructure;

namespace Confer.Turn.Tests.Interop;

/// <summary>The parser of <c>turnutils_stunclient</c>'s output, on text captured from coturn 4.6.1.</summary>
public sealed class StunClientOutputTests
{
    private const string Rfc5780Run = """

        ========================================
        RFC 5780 response 1
        0: : IPv4. Response origin: : 127.0.0.1:34780
        0: : IPv4. Response origin: : 127.0.0.1:34780
        0: : IPv4. Other addr: : 127.0.0.2:34781
        0: : IPv4. UDP reflexive addr: 127.0.0.1:42320

        ========================================
        RFC 5780 response 2
        0: : IPv4. Response origin: : 127.0.0.2:34781
        0: : IPv4. Other addr: : 127.0.0.2:34781
        0: : IPv4. UDP reflexive addr: 127.0.0.1:42320

        ========================================
        RFC 5780 response 3
        0: : IPv4. Response origin: : 127.0.0.2:34781
        0: : IPv4. Other addr: : 127.0.0.2:34781
        0: : IPv4. UDP reflexive addr: 127.0.0.1:42321

        """;

    private const string PlainRun = """
        0: : IPv4. UDP reflexive addr: 127.0.0.1:57494
        0: : IPv4. UDP reflexive addr: 127.0.0.1:57494

        """;

    private static StunClientOutput Parse(string text) => StunClientOutput.Parse(new CommandResult("turnutils_stunclient", 0, text, "", false));

    [Fact]
    public void Parse_Rfc5780Run_ReadsThreeResponses()
    {
        var output = Parse(Rfc5780Run);

        Assert.Equal([1, 2, 3], output.Responses.Select(r => r.Rfc5780Number ?? 0));
        Assert.Equal(IPEndPoint.Parse("127.0.0.1:34780"), output.Responses[0].ResponseOrigin);
        Assert.Equal(IPEndPoint.Parse("127.0.0.2:34781"), output.Responses[0].OtherAddress);
        Assert.Equal(IPEndPoint.Parse("127.0.0.1:42320"), output.Responses[1].ReflexiveAddress);
        Assert.Equal(IPEndPoint.Parse("127.0.0.1:42321"), output.Responses[2].ReflexiveAddress);
        Assert.Empty(output.Complaints);
    }

    [Fact]
    public void Parse_PlainRun_ReadsOneResponseDespiteTheRepeatedLine()
    {
        var output = Parse(PlainRun);

        var response = Assert.Single(output.Responses);
        Assert.Null(response.Rfc5780Number);
        Assert.Equal(IPEndPoint.Parse("127.0.0.1:57494"), response.ReflexiveAddress);
    }

    [Fact]
    public void Parse_ErrorResponse_IsAComplaint()
    {
        var output = Parse("The response is an error 420 (Unknown Attribute)\n");

        Assert.Empty(output.Responses);
        Assert.Single(output.Complaints);
    }
}
