using Confer.Server.Hosts;

namespace Confer.Server.Hosting;

public sealed partial class ServerOptions
{
    /// <summary>Host sign-in for the meeting app: the host password, host accounts, the lobby default.</summary>
    public HostSignInOptions Hosts { get; } = new();
}
