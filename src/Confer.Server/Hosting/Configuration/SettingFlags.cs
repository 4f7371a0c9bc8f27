using System.CommandLine;

namespace Confer.Server.Hosting.Configuration;

/// <summary>The command-line options of a list of settings (and of their <c>…File</c> companions), made from the rows.</summary>
internal sealed class SettingFlags
{
    private readonly List<(Setting Setting, Option Option)> _options = [];

    public SettingFlags(IEnumerable<Setting> settings)
    {
        foreach (var setting in settings)
        {
            _options.Add((setting, Create(setting)));
            if (setting.FileSetting is { } file) _options.Add((file, Create(file)));
        }
    }

    private static Option Create(Setting s) => s switch
    {
        { IsSwitch: true } => new Option<bool>(s.Flag) { Description = Describe(s) },
        { Repeatable: true, SecretOf: null } => new Option<string[]>(s.Flag) { Description = Describe(s), AllowMultipleArgumentsPerToken = false },
        _ => new Option<string>(s.Flag) { Description = Describe(s) },
    };

    /// <summary>The help, its default when the help does not say it, and the setting's key.</summary>
    private static string Describe(Setting s)
    {
        var value = s.SecretOf is null && !s.IsSwitch && !s.Help.Contains("default", StringComparison.Ordinal) ? s.Show(new ServerOptions()) : "";
        return s.Help + (value.Length > 0 ? $" Default {value}." : "") + $" [{s.Key}]";
    }

    public void AddTo(Command command)
    {
        foreach (var (_, option) in _options) command.Options.Add(option);
    }

    /// <summary>The settings given on the command line, with their values as text.</summary>
    public IEnumerable<(Setting Setting, string[] Values)> Given(ParseResult parse)
    {
        foreach (var (setting, option) in _options)
        {
            if (parse.GetResult(option) is not { Implicit: false }) continue; // not on the command line (a switch has an implicit false)
            string[] values = option switch
            {
                Option<bool> b => [parse.GetValue(b) ? "true" : "false"],
                Option<string[]> list => parse.GetValue(list) ?? [],
                Option<string> text => parse.GetValue(text) is { } v ? [v] : [],
                _ => [],
            };
            yield return (setting, values);
        }
    }

    /// <summary>
    /// The command line as the top configuration layer: <c>Key</c> = value, a repeatable one as <c>Key:0</c>, <c>Key:1</c>…
    /// </summary>
    public Dictionary<string, string?> ToConfiguration(ParseResult parse)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (setting, given) in Given(parse))
        {
            if (setting.Repeatable && setting.SecretOf is null)
                for (int i = 0; i < given.Length; i++) values[$"{setting.Key}:{i}"] = given[i];
            else if (given.Length > 0) values[setting.Key] = given[0];
        }
        return values;
    }

    /// <summary>Applies the command line alone (no file, no environment); returns an error sentence or null.</summary>
    public string? Apply(ParseResult parse, ServerOptions options)
    {
        foreach (var (setting, values) in Given(parse))
            foreach (var value in values)
                if (setting.Apply(options, value) is { } problem)
                    return setting.Secret ? $"{setting.Flag} {problem}." : $"{setting.Flag} '{value}' {problem}.";
        return null;
    }
}
