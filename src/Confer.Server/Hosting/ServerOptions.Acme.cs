using System.Net;

namespace Confer.Server.Hosting;

/// <summary>Automatic certificates over ACME (RFC 8555): see docs/configuration.md, "Automatic certificates (ACME)".</summary>
public sealed partial class ServerOptions
{
    /// <summary>Let's Encrypt's production directory, the default of <c>--acme-directory</c>.</summary>
    public const string LetsEncryptDirectory = "https://acme-v02.api.letsencrypt.org/directory";

    /// <summary>Names to obtain a certificate for (<c>--domain</c>, repeatable or a comma list); empty: no ACME.</summary>
    public List<string> AcmeDomains { get; } = [];

    /// <summary>The ACME server's directory URL (<c>--acme-directory</c>).</summary>
    public string AcmeDirectory { get; set; } = LetsEncryptDirectory;

    /// <summary>Contact address given to the CA for expiry and incident mail (<c>--acme-email</c>); optional.</summary>
    public string? AcmeEmail { get; set; }

    /// <summary>PEM file of extra root certificates to trust for the ACME server's own HTTPS (<c>--acme-ca-root</c>).</summary>
    public string? AcmeCaRoot { get; set; }

    /// <summary>
    /// The challenges to answer, in order of preference (<c>--acme-challenge</c>, repeatable): "tls-alpn-01" on the HTTPS
    /// port, "http-01" on the HTTP port. After a failed order the next one tries the next challenge.
    /// </summary>
    public List<string> AcmeChallenges { get; } = [];

    /// <summary>The challenges in use: <see cref="AcmeChallenges"/>, or both with TLS-ALPN-01 first.</summary>
    public IReadOnlyList<string> AcmeChallengeOrder => AcmeChallenges.Count > 0 ? AcmeChallenges : ["tls-alpn-01", "http-01"];

    /// <summary>Where Confer keeps state such as certificates and the ACME account key (<c>--data-dir</c>); null: <see cref="DefaultDataDir"/>.</summary>
    public string? DataDir { get; set; }

    /// <summary>The data directory in use: <see cref="DataDir"/> when given, else <see cref="DefaultDataDir"/>.</summary>
    public string DataDirectory => DataDir ?? DefaultDataDir();

    /// <summary>
    /// systemd's <c>$STATE_DIRECTORY</c> (StateDirectory=confer gives /var/lib/confer), else /var/lib/confer when it
    /// exists, else a <c>data</c> directory beside the binary.
    /// </summary>
    public static string DefaultDataDir()
    {
        if (Environment.GetEnvironmentVariable("STATE_DIRECTORY") is { Length: > 0 } state) return state.Split(':')[0];
        if (Directory.Exists("/var/lib/confer")) return "/var/lib/confer";
        return Path.Combine(AppContext.BaseDirectory, "data");
    }

    /// <summary>Checks the ACME settings; a sentence that says what to change, or null.</summary>
    public string? ValidateAcme()
    {
        foreach (var domain in AcmeDomains)
            if (DomainProblem(domain) is { } problem) return $"--domain '{domain}' {problem}";
        if (AcmeDomains.Count != AcmeDomains.Distinct(StringComparer.OrdinalIgnoreCase).Count()) return "--domain names a domain twice.";
        if (AcmeDomains.Count > 0 && TlsCert is not null)
            return "--domain and --tls-cert both give the server's certificate: keep --domain for automatic certificates, or --tls-cert/--tls-key for your own.";
        if (AcmeDomains.Count > 100) return "--domain: a certificate holds at most 100 names.";
        if (!Uri.TryCreate(AcmeDirectory, UriKind.Absolute, out var directory) || directory.Scheme != Uri.UriSchemeHttps)
            return $"--acme-directory '{AcmeDirectory}' must be an https:// URL (like {LetsEncryptDirectory}).";
        if (AcmeEmail is { } email && (email.Length > 254 || email.Count(c => c == '@') != 1 || email.StartsWith('@') || email.EndsWith('@') || email.Any(char.IsWhiteSpace)))
            return $"--acme-email '{email}' is not an email address.";
        foreach (var challenge in AcmeChallenges)
            if (challenge is not ("tls-alpn-01" or "http-01")) return $"--acme-challenge '{challenge}' must be tls-alpn-01 or http-01.";
        if (AcmeCaRoot is not null && !File.Exists(AcmeCaRoot)) return $"--acme-ca-root {AcmeCaRoot}: no such file.";
        if (DataDir is { Length: 0 }) return "--data-dir must not be empty.";
        return null;
    }

    /// <summary>What is wrong with <paramref name="domain"/> as a DNS name for a certificate (RFC 1123 §2.1), or null.</summary>
    internal static string? DomainProblem(string domain)
    {
        if (domain.StartsWith("*.", StringComparison.Ordinal)) return "is a wildcard: TLS-ALPN-01 and HTTP-01 cannot prove one (they need DNS-01); name each host.";
        if (IPAddress.TryParse(domain, out _)) return "is an IP address: give the DNS name that points to this server.";
        if (domain.Length is 0 or > 253) return "must be 1 to 253 characters long.";
        var labels = domain.Split('.');
        if (labels.Length < 2) return "needs a dot, like meet.example.org.";
        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
                return "is not a DNS name (letters, digits and inner hyphens between dots; Unicode names in their xn-- form).";
        }
        return null;
    }
}
