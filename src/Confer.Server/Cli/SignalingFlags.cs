using Confer.Server.Hosting;
using Confer.Server.Hosting.Configuration;

namespace Confer.Server.Cli;

/// <summary>The signaling settings of <c>confer serve</c>: keys, TURN secret, ICE servers, public host, open rooms (rows of <see cref="SettingTable"/>).</summary>
internal static class SignalingFlags
{
    public static readonly Setting[] Settings =
    [
        Setting.Custom("Signaling:Keys", "--keys", "API keys: \"key: secret\" (several separated by commas or lines). Outside --dev the secrets need 32+ characters.", ShowKeys, AddKeys).AsSecret(),
        // --turn-secret is here: signaling mints the TURN REST credentials, TURN checks them.
        Setting.Text("Turn:Secret", "--turn-secret", "Shared secret for TURN REST credentials (default: random per start; 32+ characters outside --dev).", o => o.TurnSecret, (o, v) => o.TurnSecret = v.Trim()).AsSecret(),
        Setting.List("Signaling:IceServers", "--ice-server", "Extra STUN/TURN URL handed to clients (repeatable).", o => o.Signaling.ExternalIceServers, (o, v) => { o.Signaling.ExternalIceServers.Add(v); return null; }),
        Setting.Text("Signaling:PublicHost", "--public-host", "Host name for the ICE server URLs given to clients (default: the public IP, else the host they reached).", o => o.Signaling.PublicHost, (o, v) => o.Signaling.PublicHost = v),
        Setting.Text("Signaling:Topology", "--topology", "How media travels: mesh (browser to browser), sfu (through Confer's SFU, for clients that speak protocol 2) or auto (browser to browser until --sfu-from people, then the SFU).", o => o.Signaling.Topology, (o, v) => o.Signaling.Topology = v.Trim().ToLowerInvariant()),
        Setting.Int("Signaling:SfuFrom", "--sfu-from", "With --topology auto: the number of people from which a room's media goes through the SFU.", o => o.Signaling.SfuFrom, (o, v) => o.Signaling.SfuFrom = v),
        Setting.Switch("Signaling:OpenRooms", "--open-rooms", "Let anyone get a join token from POST /api/token (always on with --dev).", o => o.Signaling.OpenRooms, (o, v) => o.Signaling.OpenRooms = v),
    ];

    private static string ShowKeys(ServerOptions options) => string.Join(", ", options.Signaling.Keys.Keys.Select(k => $"{k}: ****"));

    private static string? AddKeys(ServerOptions options, string value) =>
        // The parser's sentence quotes the start of the bad entry; the setting's name is said by whoever reports it.
        options.Signaling.Keys.AddFrom(value) is null ? null : "has an entry that is not \"key: secret\"";
}
