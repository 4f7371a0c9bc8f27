using System.Net;

namespace Confer.Turn.Tests.Interop;

/// <summary>
/// coturn's <c>turnutils_stunclient</c> against Confer (and against coturn itself, which proves the test and its
/// parsing). The client binds to 127.0.0.5 with -L, so a correct server must report 127.0.0.5, not its own
/// 127.0.0.1, as the reflexive address.
/// </summary>
public sealed class TurnutilsStunClientTests(StunServers servers) : IClassFixture<StunServers>
{
    private static readonly IPAddress ClientAddress = IPAddress.Parse("127.0.0.5");

    [Theory]
    [InlineData(StunServerKind.Confer)]
    [InlineData(StunServerKind.Coturn)]
    public async Task StunClient_PlainServer_PrintsItsOwnAddressAsReflexive(StunServerKind kind)
    {
        Assert.True(TurnutilsStunClient.IsInstalled, "turnutils_stunclient is missing: test.sh installs coturn.");
        var server = await servers.GetAsync(kind, rfc5780: false);

        var output = await TurnutilsStunClient.RunAsync(server.Primary, ClientAddress);

        Assert.True(output.Command.Succeeded, $"{output}\n--- server ---\n{server.Output()}");
        Assert.Empty(output.Complaints);
        var response = Assert.Single(output.Responses);
        Assert.Null(response.Rfc5780Number); // no OTHER-ADDRESS without a second address
        Assert.NotNull(response.ReflexiveAddress);
        Assert.Equal(ClientAddress, response.ReflexiveAddress.Address);
        Assert.InRange(response.ReflexiveAddress.Port, 1, 65535);
    }

    [Theory]
    [InlineData(StunServerKind.Confer)]
    [InlineData(StunServerKind.Coturn)]
    public async Task StunClient_Rfc5780Mode_SeesOtherAddressChangedOriginAndResponsePort(StunServerKind kind)
    {
        Assert.True(TurnutilsStunClient.IsInstalled, "turnutils_stunclient is missing: test.sh installs coturn.");
        var server = await servers.GetAsync(kind, rfc5780: true);
        var primary = server.Primary;
        var alternate = server.Alternate!;

        var output = await TurnutilsStunClient.RunAsync(primary, ClientAddress, forceRfc5780: true);

        // The client sends three requests to the primary address:
        //  1. plain Binding                                 -> answered from the primary address
        //  2. CHANGE-REQUEST(ip, port) + RESPONSE-PORT=X+1  -> answered from the other address, to port X+1
        //  3. CHANGE-REQUEST(ip, port) + PADDING, from X+1  -> answered from the other address
        // A timeout here means a response never arrived where the client listened.
        Assert.False(output.Command.TimedOut, $"turnutils_stunclient -f waited for a response that never came.\n{output}\n--- server ---\n{server.Output()}");
        Assert.True(output.Command.Succeeded, $"{output}\n--- server ---\n{server.Output()}");
        Assert.Empty(output.Complaints);
        Assert.Equal([1, 2, 3], output.Responses.Select(r => r.Rfc5780Number ?? 0));

        var (first, second, third) = (output.Responses[0], output.Responses[1], output.Responses[2]);
        Assert.Equal(primary, first.ResponseOrigin);
        Assert.All(output.Responses, r => Assert.Equal(alternate, r.OtherAddress));
        Assert.Equal(alternate, second.ResponseOrigin);
        Assert.Equal(alternate, third.ResponseOrigin);

        Assert.All(output.Responses, r => Assert.Equal(ClientAddress, r.ReflexiveAddress?.Address));
        int port = first.ReflexiveAddress!.Port;
        Assert.Equal(port, second.ReflexiveAddress!.Port);     // sent from the same socket as the first
        Assert.Equal(port + 1, third.ReflexiveAddress!.Port);  // sent from the socket bound to RESPONSE-PORT
    }
}
