using Xunit.Abstractions;

namespace Confer.Browser.Tests.Lab;

/// <summary>
/// Issue 14, item 4 through the SFU: a call whose media goes through Confer's SFU (two connections per browser, both to
/// the server) loses one side's path — its link down for five seconds, or its address changed — and must decode video
/// again both ways within 10 s, with the same sids, through an ICE restart of both connections (the publisher's
/// re-offer and the server's re-offer of the subscriber connection, client/sdk/engine/sfuRestarts.js). Measured the
/// same way as peer to peer (<see cref="LabRecovery"/>) and printed as a row of the lab's matrix.
/// </summary>
[Collection(SfuLabCollection.Name)]
public sealed class SfuRecoveryTests(SfuLabFixture lab, ITestOutputHelper output)
{
    private readonly LabRecovery _recovery = new(lab, output);

    [Fact]
    public Task HomeAndHome_LinkDownFiveSeconds_RecoversThroughTheSfuWithinTenSeconds() =>
        _recovery.LinkDownAsync("home", lab.Home1, "home", lab.Home2, "lab-sfu-recover-link", " (SFU)");

    [Fact]
    public Task HomeAndHome_AddressChanges_RecoversThroughTheSfuWithinTenSeconds() =>
        _recovery.AddressChangesAsync("home", lab.Home1, "home", lab.Home2, "lab-sfu-recover-address", " (SFU)");
}
