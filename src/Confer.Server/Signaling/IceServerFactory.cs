using Confer.Server.Hosting;
using Confer.Server.Turn;
using Confer.Signaling.Auth;
using Confer.Signaling.Protocol;

namespace Confer.Server.Signaling;

/// <summary>
/// The <c>iceServers</c> of a join or resume: Confer's own STUN/TURN on the host the client reached us at, then the
/// configured external servers. TURN over TLS is offered on the HTTPS port too, which serves it beside HTTPS.
/// The TURN REST credentials are made afresh each time and expire after
/// <c>Signaling:TurnCredentialLifetime</c> (4 h), or with the access token when that comes first: a credential
/// copied out of a browser, or kept by a removed participant, is not a relay for the token's whole life.
/// </summary>
public sealed class IceServerFactory(ServerOptions options, TurnEndpoints? turn = null, TimeProvider? time = null, Tls.HttpsListener? https = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public IReadOnlyList<IceServer> Create(string? requestHost, AccessToken token)
    {
        var list = new List<IceServer>(3);
        // --public-host, else the public address (--public-ip or discovered), else the host the client reached.
        var host = options.Signaling.PublicHost ?? (options.PublicIp.V4 ?? options.PublicIp.V6)?.ToString() ?? requestHost;
        // The port actually bound (also with --turn-port 0); a host without the STUN/TURN listener has none.
        var port = turn?.Primary.Port ?? options.TurnPort;
        if (!string.IsNullOrEmpty(host) && port > 0)
        {
            if (host.Contains(':') && !host.StartsWith('[')) host = $"[{host}]"; // IPv6 literal
            list.Add(new IceServer([$"stun:{host}:{port}"]));
            var expires = _time.GetUtcNow() + options.Signaling.TurnCredentialLifetime;
            if (token.Expires < expires) expires = token.Expires;
            var (username, credential) = TurnCredentials.Create(options.TurnSecret, token.Identity ?? "", expires);
            List<string> urls = [$"turn:{host}:{port}?transport=udp", $"turn:{host}:{port}?transport=tcp"];
            // --turn-udp-port: the same TURN over UDP on more ports (443 gets through where only 443 is let out).
            foreach (var extra in turn?.ExtraUdp ?? [])
                urls.Add($"turn:{host}:{extra.Port}?transport=udp");
            // TURN over TLS only with a real certificate (PEM files or obtained): browsers refuse the --dev self-signed one.
            // The certificate names a host, not the public IP: turns: keeps the name the client reached.
            var tlsHost = options.Signaling.PublicHost ?? requestHost ?? host;
            if (tlsHost.Contains(':') && !tlsHost.StartsWith('[')) tlsHost = $"[{tlsHost}]";
            if (options.TlsCert is not null || options.ObtainsCertificate)
            {
                // The HTTPS port first: it is the one an office firewall lets out (Tls/SharedPort.cs serves TURN there).
                if (https?.Port is { } httpsPort) urls.Add($"turns:{tlsHost}:{httpsPort}?transport=tcp");
                if (turn?.Tls is { } tls && tls.Port != https?.Port) urls.Add($"turns:{tlsHost}:{tls.Port}?transport=tcp");
            }
            list.Add(new IceServer([.. urls], username, credential));
        }
        if (options.Signaling.ExternalIceServers.Count > 0)
            list.Add(new IceServer([.. options.Signaling.ExternalIceServers]));
        return list;
    }
}
