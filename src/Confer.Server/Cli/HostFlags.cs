using Confer.Server.Hosting;
using Confer.Server.Hosting.Configuration;

namespace Confer.Server.Cli;

/// <summary>
/// Host sign-in of <c>confer serve</c> (docs/configuration.md, "Hosts and guests"). The rest of the <c>Hosts</c> section
/// (Lobby, SessionLifetime) is bound by <see cref="Confer.Server.Hosts.HostSignInOptions"/> itself.
/// </summary>
internal static class HostFlags
{
    public static readonly Setting[] Settings =
    [
        Setting.Text("Hosts:Password", "--host-password", "A password hosts sign in with to start meetings in the app (12+ characters outside --dev).", o => o.Hosts.Password, (o, v) => o.Hosts.Password = v.Trim()).AsSecret(),
        Setting.List("Hosts:Accounts", "--host-account", "A host account, \"name: password\" (repeatable, or a comma list).", o => o.Hosts.Accounts.Select(a => a[..a.IndexOf(':', StringComparison.Ordinal)] + ": ****"), AddAccounts).AsSecret(),
    ];

    private static string? AddAccounts(ServerOptions options, string value) => options.Hosts.AddAccounts(value);
}
