using System.Reflection;
using System.Text.RegularExpressions;

namespace Confer.Server.Hosting.Configuration;

/// <summary>
/// Which keys Confer knows, for the check that stops a start on a typo: a key in the file, or a <c>CONFER_</c> variable,
/// that no setting reads would otherwise be ignored in silence and the operator would run with the default.
/// </summary>
internal static partial class KnownKeys
{
    /// <summary>Every valid key: the table's (with the <c>…File</c> companions) and each property of the bound sections.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        .. SettingTable.WithFiles.Select(s => s.Key),
        .. SettingTable.Sections.SelectMany(s => Properties(s.Options).Select(p => $"{s.Name}:{p}")),
    ];

    private static IEnumerable<string> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? p.Name)
            .Where(name => name != "ApiKeysNotBound");

    public static bool IsKnown(string key)
    {
        if (key == "$schema") return true;
        var first = key.Split(':')[0];
        if (SettingTable.OpenSections.Contains(first, StringComparer.OrdinalIgnoreCase)) return true;
        foreach (var setting in SettingTable.WithFiles)
        {
            if (key.Equals(setting.Key, StringComparison.OrdinalIgnoreCase)) return true;
            if (setting.Repeatable && key.StartsWith(setting.Key + ":", StringComparison.OrdinalIgnoreCase) && int.TryParse(key[(setting.Key.Length + 1)..], out _)) return true;
        }
        // A section property, and anything below it (a list's items).
        return All.Any(k => key.Equals(k, StringComparison.OrdinalIgnoreCase) || key.StartsWith(k + ":", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The valid key nearest to <paramref name="key"/> (edit distance, any case).</summary>
    public static string Closest(string key)
    {
        var wanted = Simplify(key);
        return All.MinBy(k => Distance(Simplify(k), wanted))!;
    }

    private static string Simplify(string key) => Separators().Replace(key, ":").ToLowerInvariant();

    [GeneratedRegex("(__|_)")]
    private static partial Regex Separators();

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>
    /// One sentence for the first unknown key in the file or among the <c>CONFER_</c> variables, or null. The file's
    /// keys are checked first: that is where a typo is most likely.
    /// </summary>
    public static string? FindUnknown(ConferConfiguration configuration)
    {
        foreach (var layer in configuration.Layers)
        {
            if (layer.Source == SettingSource.File)
            {
                foreach (var key in ConferConfiguration.Leaves(layer.Provider))
                    if (!IsKnown(key))
                        return $"{configuration.FilePath} has an unknown setting '{key}'; did you mean '{Closest(key)}'? (every setting is in docs/configuration.md)";
            }
        }
        foreach (var (key, variable) in configuration.Variables.OrderBy(v => v.Value, StringComparer.Ordinal))
        {
            if (IsKnown(key)) continue;
            var closest = Closest(key);
            // CONFER_TURN__PORT and CONFER_HTTPPORT are shaped like settings; CONFER_SOME_TOOL (single underscores, the
            // style of other programs' variables) is one only when it is a near miss of a setting (CONFER_TURN_PORT).
            var rest = variable["CONFER_".Length..];
            bool settingShaped = rest.Contains("__", StringComparison.Ordinal) || !rest.Contains('_', StringComparison.Ordinal);
            if (settingShaped || Distance(Simplify(closest), Simplify(key)) <= 2)
                return $"the environment variable {variable} is not a Confer setting; did you mean {Setting.EnvironmentNameOf(closest)}? (every setting is in docs/configuration.md)";
        }
        return null;
    }
}
