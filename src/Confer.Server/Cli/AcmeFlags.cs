using System.CommandLine;
using Confer.Server.Hosting;

namespace Confer.Server.Cli;

/// <summary>The automatic-certificate (ACME) flags of <c>confer serve</c>.</summary>
internal sealed class AcmeFlags
{
    private readonly Option<string[]> _domains = new("--domain") { Description = "Obtain and renew a certificate for this name over ACME (repeatable, or a comma list), like meet.example.org.", AllowMultipleArgumentsPerToken = false };
    private readonly Option<string?> _directory = new("--acme-directory") { Description = $"ACME server directory URL (default {ServerOptions.LetsEncryptDirectory}, Let's Encrypt)." };
    private readonly Option<string?> _email = new("--acme-email") { Description = "Contact email for the certificate authority (expiry warnings); optional." };
    private readonly Option<string?> _caRoot = new("--acme-ca-root") { Description = "PEM file of an extra root to trust for the ACME server's own HTTPS (a private CA, Pebble)." };
    private readonly Option<string[]> _challenges = new("--acme-challenge") { Description = "Challenge to answer: tls-alpn-01 (on the HTTPS port, 443 for the CA) or http-01 (on the HTTP port, 80 for the CA); repeatable, in order of preference (default: tls-alpn-01, then http-01).", AllowMultipleArgumentsPerToken = false };
    private readonly Option<string?> _dataDir = new("--data-dir") { Description = "Directory for certificates and the ACME account key (default: $STATE_DIRECTORY, else /var/lib/confer if it exists, else data/ beside the binary)." };

    public void AddTo(Command command)
    {
        command.Options.Add(_domains);
        command.Options.Add(_directory);
        command.Options.Add(_email);
        command.Options.Add(_caRoot);
        command.Options.Add(_challenges);
        command.Options.Add(_dataDir);
    }

    /// <summary>Copies the flags into <paramref name="options"/> and checks them; returns an error sentence or null.</summary>
    public string? Apply(ParseResult parse, ServerOptions options)
    {
        foreach (var value in parse.GetValue(_domains) ?? [])
            foreach (var domain in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                options.AcmeDomains.Add(domain.TrimEnd('.').ToLowerInvariant());
        if (parse.GetValue(_directory) is { } directory) options.AcmeDirectory = directory;
        if (parse.GetValue(_email) is { } email) options.AcmeEmail = email;
        if (parse.GetValue(_caRoot) is { } caRoot) options.AcmeCaRoot = caRoot;
        foreach (var value in parse.GetValue(_challenges) ?? [])
            options.AcmeChallenges.AddRange(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c => c.ToLowerInvariant()));
        if (parse.GetValue(_dataDir) is { } dataDir) options.DataDir = dataDir;
        return options.ValidateAcme();
    }
}
