using Confer.Server.Hosting;
using Confer.Signaling.Auth;
using Confer.Signaling.Protocol;

namespace Confer.Server.Signaling;

/// <summary>
/// The <c>iceServers</c> of a join: Confer's own STUN/TURN (REST credentials that expire with the access
/// token) on the host the client reached us at, then the configured external servers.
/// </summary>
public sealed class IceServerFactory(ServerOptions options)
{
    public IReadOnlyList<IceServer> Create(string? requestHost, AccessToken token)
    {
        var list = new List<IceServer>(3);
        var host = options.Signaling.PublicHost ?? requestHost;
        if (!string.IsNullOrEmpty(host) && options.TurnPort > 0)
        {
            if (host.Contains(':') && !host.StartsWith('[')) host = $"[{host}]"; // IPv6 literal
            var port = options.TurnPort;
            list.Add(new IceServer([$"stun:{host}:{port}"]));
            var (username, credential) = TurnCredentials.Create(options.TurnSecret, token.Identity ?? "", token.Expires);
            list.Add(new IceServer([$"turn:{host}:{port}?transport=udp", $"turn:{host}:{port}?transport=tcp"], username, credential));
        }
        if (options.Signaling.ExternalIceServers.Count > 0)
            list.Add(new IceServer([.. options.Signaling.ExternalIceServers]));
        return list;
    }
}
