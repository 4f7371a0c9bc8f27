using Confer.Server.Hosting;
using Confer.Server.Hosting.Configuration;

namespace Confer.Server.Cli;

/// <summary>The automatic-certificate (ACME) settings of <c>confer serve</c>; checked by <see cref="ServerOptions.ValidateAcme"/>.</summary>
internal static class AcmeFlags
{
    public static readonly Setting[] Settings =
    [
        Setting.List("Acme:Domains", "--domain", "Obtain and renew a certificate for this name over ACME (repeatable, or a comma list), like meet.example.org.", o => o.AcmeDomains, AddDomains),
        Setting.Text("Acme:Directory", "--acme-directory", $"ACME server directory URL (default {ServerOptions.LetsEncryptDirectory}, Let's Encrypt).", o => o.AcmeDirectory, (o, v) => o.AcmeDirectory = v),
        Setting.Text("Acme:Email", "--acme-email", "Contact email for the certificate authority (expiry warnings); optional.", o => o.AcmeEmail, (o, v) => o.AcmeEmail = v),
        Setting.Text("Acme:CaRoot", "--acme-ca-root", "PEM file of an extra root to trust for the ACME server's own HTTPS (a private CA, Pebble).", o => o.AcmeCaRoot, (o, v) => o.AcmeCaRoot = v),
        Setting.List("Acme:Challenges", "--acme-challenge", "Challenge to answer: tls-alpn-01 (on the HTTPS port, 443 for the CA) or http-01 (on the HTTP port, 80 for the CA); repeatable, in order of preference (default: tls-alpn-01, then http-01).", o => o.AcmeChallengeOrder, AddChallenges),
        Setting.Text("DataDir", "--data-dir", "Directory for certificates and the ACME account key (default: $STATE_DIRECTORY, else /var/lib/confer if it exists, else data/ beside the binary).", o => o.DataDirectory, (o, v) => o.DataDir = v),
    ];

    private static string? AddDomains(ServerOptions options, string value)
    {
        foreach (var domain in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            options.AcmeDomains.Add(domain.TrimEnd('.').ToLowerInvariant());
        return null;
    }

    private static string? AddChallenges(ServerOptions options, string value)
    {
        options.AcmeChallenges.AddRange(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c => c.ToLowerInvariant()));
        return null;
    }
}
