using Xunit.Abstractions;

namespace Confer.Browser.Tests.Lab;

/// <summary>
/// Issue 14, item 4 (peer to peer): a call in the lab is up with decoded video both ways, then one side's network
/// changes under it — its link goes down for five seconds and comes back, or its address changes — and the call must
/// come back by itself within 10 s: the same participants (no rejoin, same sids), through an ICE restart, with frames
/// decoding again both ways (<see cref="LabRecovery"/>). Each test prints the measured recovery time (network back →
/// frames decoding again) as a row of the lab's matrix (docs/connectivity.md, "The lab").
/// </summary>
[Collection(LabCollection.Name)]
public sealed class RecoveryTests(LabFixture lab, ITestOutputHelper output)
{
    private readonly LabRecovery _recovery = new(lab, output);

    [Fact]
    public Task HomeAndHome_LinkDownFiveSeconds_RecoversWithinTenSeconds() =>
        _recovery.LinkDownAsync("home", lab.Home1, "home", lab.Home2, "lab-recover-home-link");

    [Fact]
    public Task HotelAndHotel_LinkDownFiveSeconds_RecoversThroughTheRelayWithinTenSeconds() =>
        _recovery.LinkDownAsync("hotel", lab.Hotel1, "hotel", lab.Hotel2, "lab-recover-hotel-link");

    [Fact]
    public Task HomeAndHome_AddressChanges_RecoversWithinTenSeconds() =>
        _recovery.AddressChangesAsync("home", lab.Home1, "home", lab.Home2, "lab-recover-home-address");
}
