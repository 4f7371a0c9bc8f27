using System.CommandLine;
using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using Confer.Server.Hosting;
using Confer.Server.Hosting.Configuration;
using Confer.Server.Transport;

namespace Confer.Server.Cli;

/// <summary>
/// <c>confer config check [--config file] [serve flags…]</c>: builds the configuration exactly as <c>serve</c> would,
/// runs the same checks (all but the ports, which belong to the running server), and prints every setting with its
/// value and where it came from, secrets masked. Exit 0 when <c>serve</c> would start, 2 with the sentence when not.
/// </summary>
internal static partial class ConfigCommand
{
    public static Command Create()
    {
        var config = ServeCommand.ConfigOption();
        var flags = new SettingFlags(SettingTable.All);
        var check = new Command("check", "Validate the configuration (file, CONFER_ variables, flags) and print the effective settings, secrets masked.") { config };
        flags.AddTo(check);
        check.SetAction(parse =>
        {
            var setup = ServeSetup.Run(parse.GetValue(config), flags.ToConfiguration(parse), Environment.GetEnvironmentVariables(), TimeProvider.System, checkPorts: false);
            if (setup.Problem is { } problem)
            {
                Console.Error.WriteLine($"confer: {problem}");
                return setup.ExitCode;
            }
            foreach (var warning in setup.Warnings) Console.WriteLine(warning);
            foreach (var line in Describe(setup)) Console.WriteLine(line);
            return 0;
        });
        return new Command("config", "Configuration tools.") { check };
    }

    /// <summary>The report: a header, then one line per setting: key, value, source.</summary>
    internal static IEnumerable<string> Describe(ServeSetup setup)
    {
        var configuration = setup.Configuration!;
        yield return $"confer: the configuration is valid ({(configuration.FilePath is { } f ? "file " + f : "no configuration file")}); " +
            "precedence: default < file < environment < flag.";
        var rows = new List<(string Key, string Value, string Source)>();
        foreach (var setting in SettingTable.All)
        {
            var (source, name) = setup.Binder.Sources.TryGetValue(setting, out var s) ? s : (SettingSource.Default, "");
            rows.Add((setting.Key, Mask(setting, setting.Show(setup.Options)), Label(source, name)));
            if (setting.FileSetting is { } file && configuration.Read(file.Key, list: false) is { } path)
                rows.Add((file.Key, path.Values[0], Label(path.Layer.Source, path.Layer.Describe(file.Key))));
        }
        foreach (var (section, type) in SettingTable.Sections)
        {
            object options = Activator.CreateInstance(type)!;
            if (options is Confer.Transport.TransportOptions transport) TransportHosting.Bind(configuration.Root, transport);
            else configuration.Root.GetSection(section).Bind(options);
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetCustomAttribute<ConfigurationKeyNameAttribute>() is not null) continue; // not bound from configuration
                var key = $"{section}:{property.Name}";
                if (SettingTable.Find(key) is not null) continue; // printed above
                var value = Format(property.GetValue(options));
                var found = configuration.Read(key, list: property.PropertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(property.PropertyType));
                var source = found is { } v ? Label(v.Layer.Source, v.Layer.Describe(key)) : "default";
                rows.Add((key, SecretName().IsMatch(property.Name) && value.Length > 0 ? "****" : value, source));
            }
        }
        int width = rows.Max(r => r.Key.Length) + 2;
        int valueWidth = Math.Min(40, rows.Max(r => r.Value.Length)) + 2;
        foreach (var (key, value, source) in rows) yield return $"{key.PadRight(width)}{(value.Length == 0 ? "-" : value).PadRight(valueWidth)}{source}";
    }

    /// <summary>A secret's value is never printed: "****" (API keys keep their names: "k1: ****").</summary>
    internal static string Mask(Setting setting, string value)
    {
        if (!setting.Secret || value.Length == 0) return value;
        return value.Contains("****", StringComparison.Ordinal) ? value : "****";
    }

    private static string Label(SettingSource source, string name) => source switch
    {
        SettingSource.Default => "default",
        SettingSource.File => $"file ({name})",
        SettingSource.Environment => $"env {name}",
        SettingSource.Flag => $"flag {name}",
        _ => name,
    };

    private static string Format(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        IEnumerable list => string.Join(", ", list.Cast<object>()),
        _ => value.ToString() ?? "",
    };

    /// <summary>Names of section properties that hold secrets (Metrics:Token, a webhook's ApiSecret…).</summary>
    [GeneratedRegex("(secret|token|password|credential|apikey)$", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();
}
