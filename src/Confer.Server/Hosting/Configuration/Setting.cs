using System.Globalization;
using System.Net;

namespace Confer.Server.Hosting.Configuration;

/// <summary>
/// One setting of <c>confer serve</c>: its configuration key (the name in <c>confer.json</c>, with <c>:</c> between
/// sections), the flag, one line of help, and how a text value lands in <see cref="ServerOptions"/>. The environment
/// variable is derived from the key (<see cref="EnvironmentName"/>). Every row of the tables in
/// <see cref="SettingTable"/> is one of these, made by the factories below in one line.
/// </summary>
internal sealed class Setting
{
    /// <summary>Applies one value; returns what is wrong with it ("is not a port number (0-65535)") or null.</summary>
    public delegate string? Applier(ServerOptions options, string value);

    private Setting(string key, string flag, string help, Func<ServerOptions, string> show, Applier apply)
    {
        Key = key;
        Flag = flag;
        Help = help;
        Show = show;
        Apply = apply;
    }

    /// <summary>The configuration key, like <c>Turn:Port</c>.</summary>
    public string Key { get; }

    /// <summary>The flag, like <c>--turn-port</c>.</summary>
    public string Flag { get; }

    public string Help { get; }

    /// <summary>The value as <c>config check</c> prints it (before masking).</summary>
    public Func<ServerOptions, string> Show { get; }

    public Applier Apply { get; }

    /// <summary>A flag without a value (<c>--dev</c>); true/false in a file or the environment.</summary>
    public bool IsSwitch { get; private init; }

    /// <summary>Repeatable: a flag given several times, an array in the file, commas in the environment.</summary>
    public bool Repeatable { get; private init; }

    /// <summary>
    /// A secret: masked by <c>config check</c>, warned about on the command line (<c>ps</c> shows it), and readable from a
    /// file through the companion <see cref="FileSetting"/> (<c>Key</c>+<c>File</c>, <c>--flag-file</c>).
    /// </summary>
    public bool Secret { get; private init; }

    /// <summary>For a secret, the setting that names a file holding it; null otherwise.</summary>
    public Setting? FileSetting { get; private set; }

    /// <summary>For a <see cref="FileSetting"/>, the secret it reads.</summary>
    public Setting? SecretOf { get; private set; }

    /// <summary><c>CONFER_</c> + the key with <c>__</c> between sections (<c>CONFER_Turn__Port</c>; any case).</summary>
    public string EnvironmentName => EnvironmentNameOf(Key);

    public static string EnvironmentNameOf(string key) => "CONFER_" + key.Replace(":", "__", StringComparison.Ordinal);

    // The factories: one line per setting in the tables.

    /// <summary>A whole number; its range is checked by <see cref="ServerOptions.Validate"/>, with the other settings in view.</summary>
    public static Setting Int(string key, string flag, string help, Func<ServerOptions, int> get, Action<ServerOptions, int> set) =>
        new(key, flag, help, o => get(o).ToString(CultureInfo.InvariantCulture), (o, v) =>
        {
            if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)) return "is not a whole number";
            set(o, n);
            return null;
        });

    public static Setting Port(string key, string flag, string help, Func<ServerOptions, int> get, Action<ServerOptions, int> set) =>
        new(key, flag, help, o => get(o).ToString(CultureInfo.InvariantCulture), (o, v) =>
        {
            if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n is < 0 or > 65535)
                return "is not a port number (0-65535)";
            set(o, n);
            return null;
        });

    public static Setting Long(string key, string flag, string help, Func<ServerOptions, long> get, Action<ServerOptions, long> set) =>
        new(key, flag, help, o => get(o).ToString(CultureInfo.InvariantCulture), (o, v) =>
        {
            if (!long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n)) return "is not a whole number";
            set(o, n);
            return null;
        });

    public static Setting Switch(string key, string flag, string help, Func<ServerOptions, bool> get, Action<ServerOptions, bool> set) =>
        new(key, flag, help, o => get(o) ? "true" : "false", (o, v) =>
        {
            if (!bool.TryParse(v.Trim(), out bool b)) return "is not true or false";
            set(o, b);
            return null;
        }) { IsSwitch = true };

    public static Setting Text(string key, string flag, string help, Func<ServerOptions, string?> get, Action<ServerOptions, string> set) =>
        new(key, flag, help, o => get(o) ?? "", (o, v) =>
        {
            set(o, v);
            return null;
        });

    public static Setting Address(string key, string flag, string help, Func<ServerOptions, IPAddress?> get, Action<ServerOptions, IPAddress> set) =>
        new(key, flag, help, o => get(o)?.ToString() ?? "", (o, v) =>
        {
            if (!IPAddress.TryParse(v.Trim(), out var address)) return "is not an IP address";
            set(o, address);
            return null;
        });

    /// <summary>A repeatable setting; <paramref name="add"/> takes one item and says what is wrong with it.</summary>
    public static Setting List(string key, string flag, string help, Func<ServerOptions, IEnumerable<string>> get, Applier add) =>
        new(key, flag, help, o => string.Join(", ", get(o)), add) { Repeatable = true };

    /// <summary>Any other shape: <paramref name="show"/> prints it, <paramref name="apply"/> parses it.</summary>
    public static Setting Custom(string key, string flag, string help, Func<ServerOptions, string> show, Applier apply) =>
        new(key, flag, help, show, apply);

    /// <summary>This setting as a secret, with its <c>…File</c> companion (<c>--keys</c> gets <c>--keys-file</c>).</summary>
    public Setting AsSecret()
    {
        var secret = new Setting(Key, Flag, Help, Show, Apply) { IsSwitch = IsSwitch, Repeatable = Repeatable, Secret = true };
        secret.FileSetting = new Setting(Key + "File", Flag + "-file", $"A file holding the value of {Key} (read once at start; surrounding whitespace trimmed).",
            o => "", (_, _) => null) { SecretOf = secret };
        return secret;
    }

    public override string ToString() => Key;
}
