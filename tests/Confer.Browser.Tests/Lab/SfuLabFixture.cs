namespace Confer.Browser.Tests.Lab;

/// <summary>The SFU's lab shares one <see cref="SfuLabFixture"/>: the same namespaces as the lab, Confer with <c>--topology sfu</c>.</summary>
[CollectionDefinition(Name)]
public sealed class SfuLabCollection : ICollectionFixture<SfuLabFixture>
{
    public const string Name = "SfuLab";
}

/// <summary>
/// The lab of <see cref="LabFixture"/> with every room's media through Confer's SFU (issue 14, items 2 and 4: "the same
/// through the SFU"). The SFU's candidates are the server's public addresses on both families (<c>--public-ip</c>): UDP on
/// the STUN/TURN port 3478 and ICE-TCP on the HTTPS port 443, the one port the office lets out.
/// </summary>
public sealed class SfuLabFixture : LabFixture
{
    protected override IReadOnlyList<string> MoreServerArguments =>
        ["--topology", "sfu", "--public-ip", Server.ToString(), "--public-ip", ServerIpv6.ToString()];
}
