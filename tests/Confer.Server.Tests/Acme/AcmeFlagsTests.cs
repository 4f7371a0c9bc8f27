using Confer.Server.Hosting;

namespace Confer.Server.Tests.Acme;

/// <summary>--domain, --acme-* and --data-dir: what they set, and one sentence for each impossible value.</summary>
public sealed class AcmeFlagsTests
{
    private static (string? Problem, ServerOptions Options) Apply(params string[] args)
    {
        using var setup = new Confer.Server.Tests.Hosting.Configuration.Setup();
        var run = setup.Run(["--turn-only", .. args]);
        return (run.Problem, run.Options);
    }

    [Fact]
    public void Domain_RepeatedAndCommaList_LowerCase_LetsEncryptByDefault()
    {
        var (problem, options) = Apply("--domain", "Meet.Example.org", "--domain", "a.example.org, b.example.org.");
        Assert.Null(problem);
        Assert.Equal(["meet.example.org", "a.example.org", "b.example.org"], options.AcmeDomains);
        Assert.Equal("https://acme-v02.api.letsencrypt.org/directory", options.AcmeDirectory);
        Assert.Null(options.AcmeEmail);
    }

    [Fact]
    public void AcmeChallenge_OrderOfPreference_DefaultTlsAlpnThenHttp()
    {
        Assert.Equal(["tls-alpn-01", "http-01"], Apply("--domain", "meet.example.org").Options.AcmeChallengeOrder);
        var (problem, options) = Apply("--domain", "meet.example.org", "--acme-challenge", "HTTP-01");
        Assert.Null(problem);
        Assert.Equal(["http-01"], options.AcmeChallengeOrder);
        Assert.Equal(["http-01"], Confer.Server.Acme.AcmeSettings.From(options).Challenges);
    }

    [Fact]
    public void Domain_WithTlsCert_IsRefused()
    {
        var options = new ServerOptions { TlsCert = "c.pem", TlsKey = "k.pem" };
        options.AcmeDomains.Add("meet.example.org");
        Assert.StartsWith("--domain and --tls-cert both give the server's certificate", options.ValidateAcme(), StringComparison.Ordinal);
    }

    [Fact]
    public void NoDomain_NoAcme() => Assert.Empty(Apply().Options.AcmeDomains);

    [Theory]
    [InlineData("--domain", "*.example.org", "is a wildcard")]
    [InlineData("--domain", "203.0.113.5", "is an IP address")]
    [InlineData("--domain", "localhost", "needs a dot")]
    [InlineData("--domain", "bad_name.example.org", "is not a DNS name")]
    [InlineData("--acme-directory", "http://ca.example/dir", "must be an https:// URL")]
    [InlineData("--acme-email", "not-an-address", "is not an email address")]
    [InlineData("--acme-ca-root", "/nonexistent/root.pem", "no such file")]
    [InlineData("--acme-challenge", "dns-01", "must be tls-alpn-01 or http-01")]
    public void ImpossibleValue_OneSentenceNamingTheFlag(string flag, string value, string says)
    {
        var (problem, _) = Apply("--domain", "meet.example.org", flag, value);
        Assert.NotNull(problem);
        Assert.StartsWith(flag, problem, StringComparison.Ordinal);
        Assert.Contains(says, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void DataDir_GivenOrDefault()
    {
        Assert.Equal("/srv/confer", Apply("--data-dir", "/srv/confer").Options.DataDirectory);
        Assert.False(string.IsNullOrEmpty(new ServerOptions().DataDirectory));
    }
}
