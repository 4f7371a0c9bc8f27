using System.Net;

namespace Confer.Server.Turn;

/// <summary>
/// The STUN/TURN addresses actually bound — with port 0 these are how tests find the chosen ports
/// (<c>app.Services.GetRequiredService&lt;TurnEndpoints&gt;()</c> or <c>ConferHost.Turn(app)</c>).
/// UDP and TCP always share <see cref="Primary"/>'s port.
/// </summary>
public sealed record TurnEndpoints(IPEndPoint Primary, IPEndPoint? Tls, IReadOnlyList<IPEndPoint> Udp, IPEndPoint? Other)
{
    /// <summary>The UDP and TCP port.</summary>
    public int Port => Primary.Port;

    /// <summary>RFC 5780 alternate (other IP, other port), or null without <c>--alt-ip</c>.</summary>
    public IPEndPoint? Alternate => Other;
}
