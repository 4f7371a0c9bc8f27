using System.Net;
using Confer.Stun;
using Confer.Turn.Tests.Infrastructure;

namespace Confer.Turn.Tests.Interop;

/// <summary>
/// Binding over TCP (RFC 8489 §6.2.2 framing) and the RFC 5780 behaviours over UDP, exercised with the project's
/// own client against the real <c>confer</c> process. The same checks run against coturn as the anchor; the
/// checks of what Confer promises beyond the RFC minimum (SOFTWARE, FINGERPRINT, MAPPED-ADDRESS) run on Confer only.
/// </summary>
public sealed class StunOverTcpAndUdpTests(StunServers servers) : IClassFixture<StunServers>
{
    [Theory]
    [InlineData(StunServerKind.Confer)]
    [InlineData(StunServerKind.Coturn)]
    public async Task BindingOverTcp_OneRequest_ReportsTheClientsAddress(StunServerKind kind)
    {
        var server = await servers.GetAsync(kind, rfc5780: false);

        var response = await StunTestClient.BindTcpAsync(server.Primary);

        Assert.Equal(StunClass.SuccessResponse, response.Class);
        Assert.Equal(response.LocalEndPoint, response.XorMappedAddress);
        if (kind == StunServerKind.Confer)
        {
            Assert.Equal(response.LocalEndPoint, response.MappedAddress);
            Assert.False(string.IsNullOrWhiteSpace(response.Software));
            Assert.True(response.FingerprintValid, "FINGERPRINT missing or wrong");
        }
    }

    [Theory]
    [InlineData(StunServerKind.Confer)]
    [InlineData(StunServerKind.Coturn)]
    public async Task BindingOverTcp_SplitAndPipelinedRequests_AnswersEachInOrder(StunServerKind kind)
    {
        var server = await servers.GetAsync(kind, rfc5780: false);
        var ids = new[] { TransactionId.New(), TransactionId.New(), TransactionId.New() };
        var requests = ids.Select(id => StunTestClient.BuildBindingRequest(id)).ToArray();
        var chunks = new List<byte[]>
        {
            requests[0][..3],        // not even a whole header
            requests[0][3..25],
            requests[0][25..],
            requests[1].Concat(requests[2]).ToArray(), // two messages in one write
        };

        var responses = await StunTestClient.ExchangeTcpAsync(server.Primary, chunks, expectedResponses: 3);

        Assert.Equal(ids, responses.Select(r => r.TransactionId));
        Assert.All(responses, r => Assert.Equal(StunClass.SuccessResponse, r.Class));
        Assert.All(responses, r => Assert.Equal(r.LocalEndPoint, r.XorMappedAddress));
    }

    [Theory]
    [InlineData(StunServerKind.Confer)]
    [InlineData(StunServerKind.Coturn)]
    public async Task BindingOverUdp_FromAnotherLoopbackAddress_ReportsThatAddressAndPort(StunServerKind kind)
    {
        var server = await servers.GetAsync(kind, rfc5780: false);

        var response = await StunTestClient.BindUdpAsync(server.Primary, new IPEndPoint(IPAddress.Parse("127.0.0.7"), 0));

        Assert.Equal(StunClass.SuccessResponse, response.Class);
        Assert.Equal(IPAddress.Parse("127.0.0.7"), response.XorMappedAddress?.Address);
        Assert.Equal(response.LocalEndPoint, response.XorMappedAddress);
        Assert.Equal(server.Primary, response.ReceivedFrom);
    }

    [Theory]
    [InlineData(StunServerKind.Confer, false, false)]
    [InlineData(StunServerKind.Confer, true, true)]
    [InlineData(StunServerKind.Confer, false, true)]
    [InlineData(StunServerKind.Confer, true, false)]
    [InlineData(StunServerKind.Coturn, true, true)]
    [InlineData(StunServerKind.Coturn, false, true)]
    public async Task BindingOverUdp_ChangeRequest_AnswersFromTheRequestedAddress(StunServerKind kind, bool changeIP, bool changePort)
    {
        var server = await servers.GetAsync(kind, rfc5780: true);
        var primary = server.Primary;
        var alternate = server.Alternate!;
        var expectedSource = new IPEndPoint(changeIP ? alternate.Address : primary.Address, changePort ? alternate.Port : primary.Port);

        var response = await StunTestClient.BindUdpAsync(primary, changeIP: changeIP, changePort: changePort);

        Assert.Equal(StunClass.SuccessResponse, response.Class);
        Assert.Equal(expectedSource, response.ReceivedFrom);
        Assert.Equal(expectedSource, response.ResponseOrigin);
        Assert.Equal(alternate, response.OtherAddress);
        Assert.Equal(response.LocalEndPoint.Port, response.XorMappedAddress?.Port);
    }
}
