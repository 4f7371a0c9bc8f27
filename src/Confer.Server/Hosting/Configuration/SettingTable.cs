using Confer.Server.Cli;

namespace Confer.Server.Hosting.Configuration;

/// <summary>
/// Every setting of <c>confer serve</c>, one row each: the rows here, then the fragments kept beside their flags
/// (<see cref="SignalingFlags.Settings"/>, <see cref="TurnFlags.Settings"/>). A row gives the configuration key, the flag and
/// the help; the environment variable, the <c>…File</c> companion of a secret, the masking in <c>confer config check</c>,
/// the unknown-key check and the precedence (file &lt; environment &lt; flag) all follow from it.
/// <para>To add a setting: one line in a fragment (or a new fragment listed in <see cref="All"/>). A section bound by its
/// own options class (<c>Transport</c>, <c>Metrics</c>…) is one line in <see cref="Sections"/>.</para>
/// </summary>
internal static class SettingTable
{
    public static readonly Setting[] Core =
    [
        Setting.Switch("Dev", "--dev", "Development mode: known keys, open rooms, self-signed TLS; listens on loopback only (unless --bind) and then allows loopback peers.", o => o.Dev, (o, v) => o.Dev = v),
        Setting.Address("Bind", "--bind", "Address to listen on (default 0.0.0.0; with --dev 127.0.0.1 and ::1).", o => o.Bind, (o, v) => o.Bind = v),
        Setting.Port("HttpPort", "--http-port", "HTTP port (web app, signaling, API, /healthz).", o => o.HttpPort, (o, v) => o.HttpPort = v),
        Setting.Switch("TurnOnly", "--turn-only", "A STUN/TURN-only server (replacing coturn): no API keys needed; signaling refuses every token.", o => o.TurnOnly, (o, v) => o.TurnOnly = v),
        Setting.List("PublicIp:Address", "--public-ip", "The address other machines reach this server at, one IPv4 and one IPv6 at most (repeatable): relayed addresses and ICE server URLs use it.", o => o.PublicIp.All.Select(a => a.ToString()), PublicAddresses.Add),
        Setting.Custom("PublicIp:StunServer", "--public-ip-stun", "host:port of an external STUN server that tells the public address at start, when --public-ip is not given.", o => o.PublicIpStunServer ?? "", SetStunServer),
    ];

    private static string? SetStunServer(ServerOptions options, string value)
    {
        if (PublicAddressDiscovery.ParseServer(value) is null) return "is not host:port (like stun.example.org:3478)";
        options.PublicIpStunServer = value.Trim();
        return null;
    }

    /// <summary>Every setting, in the order <c>config check</c> prints them. Add a fragment here.</summary>
    public static readonly IReadOnlyList<Setting> All = [.. Core, .. HttpsFlags.Settings, .. AcmeFlags.Settings, .. ObservabilityFlags.Settings, .. WebhookFlags.Settings, .. DrainFlags.Settings, .. ClusterFlags.Settings, .. SignalingFlags.Settings, .. HostFlags.Settings, .. TurnFlags.Settings];

    /// <summary>Every setting with the <c>…File</c> companions of the secrets.</summary>
    public static readonly IReadOnlyList<Setting> WithFiles = [.. All.SelectMany(s => s.FileSetting is { } f ? new[] { s, f } : [s])];

    /// <summary>Sections bound by their own options classes: each public property is a valid key under the section.</summary>
    public static readonly (string Name, Type Options)[] Sections =
    [
        (Confer.Transport.TransportOptions.Section, typeof(Confer.Transport.TransportOptions)),
        ("Signaling", typeof(Confer.Signaling.SignalingOptions)),
        (MetricsOptions.Section, typeof(MetricsOptions)),
        ("Webhooks", typeof(Confer.Server.Webhooks.WebhookOptions)),
        (Confer.Server.Hosts.HostSignInOptions.Section, typeof(Confer.Server.Hosts.HostSignInOptions)),
    ];

    /// <summary>Sections where any key is valid (.NET's own: log levels per category).</summary>
    public static readonly string[] OpenSections = ["Logging"];

    /// <summary>Older variable names that still set a setting.</summary>
    public static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["CONFER_KEYS"] = "Signaling:Keys",
        ["CONFER_KEYS_FILE"] = "Signaling:KeysFile",
        ["CONFER_TURN_SECRET"] = "Turn:Secret",
        ["CONFER_TURN_SECRET_FILE"] = "Turn:SecretFile",
    };

    /// <summary><c>CONFER_</c> variables that are not settings of <c>serve</c> (the API verbs' and the runtime's own).</summary>
    public static readonly HashSet<string> OtherVariables = new(StringComparer.Ordinal)
    {
        "CONFER_CONFIG", "CONFER_URL", "CONFER_API_KEY", "CONFER_API_SECRET", "CONFER_INLINE_IO", "CONFER_CLIENT_DIR",
        "CONFER_RELAY_ENGINE", "CONFER_RELAY_THREADS",
    };

    public static Setting? Find(string key) => WithFiles.FirstOrDefault(s => string.Equals(s.Key, key, StringComparison.OrdinalIgnoreCase));

    public static Setting? FindFlag(string flag) => WithFiles.FirstOrDefault(s => s.Flag == flag);

    /// <summary>
    /// A sentence that starts with a flag (<c>--user-quota 0 must be…</c>) gets the setting's key too, since the value may
    /// have come from the file or the environment: <c>… (setting Turn:UserQuota).</c>
    /// </summary>
    public static string? Annotate(string? problem)
    {
        if (problem is null || !problem.StartsWith("--", StringComparison.Ordinal)) return problem;
        int end = problem.IndexOfAny([' ', ':', ','], 2);
        var flag = end < 0 ? problem : problem[..end];
        return FindFlag(flag) is { } s ? $"{problem.TrimEnd('.')} (setting {s.Key})." : problem;
    }

    /// <summary>"--http-port (HttpPort)": how a validation sentence names a setting whatever its source.</summary>
    public static string Name(string flag) => FindFlag(flag) is { } s ? $"{flag} ({s.Key})" : flag;
}
