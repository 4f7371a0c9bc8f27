using Confer.Server.Hosting;
using Confer.Server.Turn;
using Confer.Signaling.Auth;
using Confer.Signaling.Protocol;

namespace Confer.Server.Signaling;

/// <summary>
/// The <c>iceServers</c> of a join: Confer's own STUN/TURN (REST credentials that expire with the access
/// token) on the host the client reached us at, then the configured external servers.
/// </summary>
public sealed class IceServerFactory(ServerOptions options, TurnEndpoints? turn = null)
{
    public IReadOnlyList<IceServer> Create(string? requestHost, AccessToken token)
    {
        var list = new List<IceServer>(3);
        var host = options.Signaling.PublicHost ?? requestHost;
        // The port actually bound (also with --turn-port 0); a host without the STUN/TURN listener has none.
        var port = turn?.Primary.Port ?? options.TurnPort;
        if (!string.IsNullOrEmpty(host) && port > 0)
        {
            if (host.Contains(':') && !host.StartsWith('[')) host = $"[{host}]"; // IPv6 literal
            list.Add(new IceServer([$"stun:{host}:{port}"]));
            var (username, credential) = TurnCredentials.Create(options.TurnSecret, token.Identity ?? "", token.Expires);
            List<string> urls = [$"turn:{host}:{port}?transport=udp", $"turn:{host}:{port}?transport=tcp"];
            // TURN over TLS only with the operator's certificate: browsers refuse the --dev self-signed one.
            if (turn?.Tls is { } tls && options.TlsCert is not null) urls.Add($"turns:{host}:{tls.Port}?transport=tcp");
            list.Add(new IceServer([.. urls], username, credential));
        }
        if (options.Signaling.ExternalIceServers.Count > 0)
            list.Add(new IceServer([.. options.Signaling.ExternalIceServers]));
        return list;
    }
}
