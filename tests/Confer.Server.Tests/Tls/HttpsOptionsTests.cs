using Confer.Server.Hosting;

namespace Confer.Server.Tests.Tls;

/// <summary>The HTTPS settings' defaults and the sentences an impossible one gets.</summary>
public sealed class HttpsOptionsTests
{
    [Fact]
    public void Defaults_Are443_7443InDev_AndFreeWithHttpPortZero()
    {
        Assert.Equal(443, new ServerOptions().HttpsPort);
        Assert.Equal(7443, new ServerOptions { Dev = true }.HttpsPort);
        Assert.Equal(0, new ServerOptions { Dev = true, HttpPort = 0 }.HttpsPort);
        Assert.Equal(8443, new ServerOptions { Dev = true, HttpPort = 0, HttpsPort = 8443 }.HttpsPort);
    }

    [Fact]
    public void Redirect_IsOnWithRealCertificates_OffWithTheDevOne()
    {
        Assert.True(new ServerOptions { TlsCert = "c", TlsKey = "k" }.HttpRedirect);
        Assert.True(new ServerOptions { ObtainsCertificate = true }.HttpRedirect);
        Assert.False(new ServerOptions { Dev = true }.HttpRedirect);
        Assert.True(new ServerOptions { Dev = true, HttpRedirect = true }.HttpRedirect);
    }

    [Theory]
    [InlineData(70000, false, "--https-port 70000 is not a port number")]
    [InlineData(8443, false, "--https-port 8443 needs a certificate")]
    [InlineData(7880, true, "is also the --http-port")]
    [InlineData(3478, true, "is also the --turn-port")]
    public void ImpossibleHttpsSettings_GetOneSentence(int port, bool dev, string expected)
    {
        var problem = new ServerOptions { Dev = dev, HttpsPort = port }.Validate();
        Assert.NotNull(problem);
        Assert.Contains(expected, problem);
    }

    [Fact]
    public void TurnTlsPortEqualToHttpsPort_IsOneSharedListener_NotAnError()
    {
        var shared = new ServerOptions { Dev = true, HttpsPort = 5349 };
        Assert.Null(shared.Validate());
        Assert.True(shared.TurnTlsOnHttpsPort);
        Assert.False(new ServerOptions { Dev = true, HttpsPort = 8443 }.TurnTlsOnHttpsPort);
        Assert.False(new ServerOptions { HttpsPort = 5349 }.TurnTlsOnHttpsPort); // no certificate: no HTTPS at all
    }
}
