using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Confer.Server.Turn;

/// <summary>
/// The STUN/TURN addresses actually bound — with port 0 these are how tests find the chosen ports
/// (<c>app.Services.GetRequiredService&lt;TurnEndpoints&gt;()</c> or <c>ConferHost.Turn(app)</c>).
/// UDP and TCP always share <see cref="Primary"/>'s port.
/// </summary>
public sealed record TurnEndpoints(IPEndPoint Primary, IReadOnlyList<IPEndPoint> Udp, IPEndPoint? Other)
{
    /// <summary>The UDP and TCP port.</summary>
    public int Port => Primary.Port;

    /// <summary>RFC 5780 alternate (other IP, other port), or null without <c>--alt-ip</c>.</summary>
    public IPEndPoint? Alternate => Other;

    /// <summary>The more UDP ports STUN/TURN listens on (<c>--turn-udp-port</c>), as bound; empty without them.</summary>
    public IReadOnlyList<IPEndPoint> ExtraUdp { get; init; } = [];

    /// <summary>The TURN over TLS listener, set when it is configured; Kestrel writes the chosen port back into it when it binds.</summary>
    internal ListenOptions? TlsListener { get; set; }

    /// <summary>
    /// TURN over TLS, or null when it does not run. With port 0 the port is known once the host has started: Kestrel binds
    /// port 0 itself, so no other program can take the port between choosing it and binding it.
    /// </summary>
    public IPEndPoint? Tls => TlsListener?.IPEndPoint is { } e ? e : null;
}
