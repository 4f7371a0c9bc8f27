using System.Collections;
using Microsoft.Extensions.Configuration.Memory;

namespace Confer.Server.Hosting.Configuration;

/// <summary>Where a setting's value came from, lowest precedence first.</summary>
internal enum SettingSource { Default, File, Environment, Flag }

/// <summary>
/// The one configuration of <c>confer serve</c>, built in order of precedence: the file (<c>--config</c>, else
/// <c>confer.json</c> or <c>appsettings.json</c> beside the binary), the environment (<c>CONFER_Key__Sub</c>, and the
/// sections' unprefixed <c>Transport__X</c> form), then the flags. The host reads its sections (Signaling, Transport,
/// Metrics…) from <see cref="Root"/>; <see cref="SettingsBinder"/> reads the table's settings from the same layers.
/// </summary>
internal sealed class ConferConfiguration
{
    public const string FileName = "confer.json";
    public const string AlternateFileName = "appsettings.json";

    /// <summary>One provider and what it is, lowest precedence first.</summary>
    public sealed record Layer(SettingSource Source, IConfigurationProvider Provider, Func<string, string> Describe);

    private ConferConfiguration(IConfigurationRoot root, IReadOnlyList<Layer> layers, string? filePath, Dictionary<string, string> variables)
    {
        Root = root;
        Layers = layers;
        FilePath = filePath;
        Variables = variables;
    }

    public IConfigurationRoot Root { get; }

    private IConfigurationProvider? _resolved;

    /// <summary>
    /// Makes <paramref name="key"/> read <paramref name="value"/> in <see cref="Root"/>, over every layer: what a section
    /// binder reads there must be what the settings settled on (API keys from <c>--keys-file</c> replace the file's
    /// <c>Signaling:Keys</c>, they are not added to them).
    /// </summary>
    public void Pin(string key, string value) => _resolved?.Set(key, value);

    public IReadOnlyList<Layer> Layers { get; }

    /// <summary>The configuration file read, or null when there is none.</summary>
    public string? FilePath { get; }

    /// <summary>Configuration key → the <c>CONFER_</c> variable that set it.</summary>
    public Dictionary<string, string> Variables { get; }

    /// <summary>
    /// Builds the layers; returns null and one sentence when the file cannot be read. <paramref name="configPath"/> is
    /// <c>--config</c> (or <c>CONFER_CONFIG</c>); <paramref name="flags"/> the command line as keys.
    /// </summary>
    public static ConferConfiguration? Load(string? configPath, IReadOnlyDictionary<string, string?> flags, IDictionary environment, out string? problem)
    {
        problem = null;
        string? file = null;
        if (!string.IsNullOrWhiteSpace(configPath))
        {
            file = Path.GetFullPath(configPath);
            if (!File.Exists(file))
            {
                problem = $"--config {configPath}: no such file; give the path of a JSON configuration file (see docs/configuration.md).";
                return null;
            }
        }
        else
        {
            foreach (var name in new[] { FileName, AlternateFileName })
            {
                var beside = Path.Combine(AppContext.BaseDirectory, name);
                if (File.Exists(beside)) { file = beside; break; }
            }
        }

        var sections = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var conferVariables = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var variables = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is not string name || entry.Value is not string value) continue;
            if (name.StartsWith("CONFER_", StringComparison.Ordinal))
            {
                if (name is "CONFER_RELAY_ENGINE" or "CONFER_RELAY_THREADS") sections[name] = value; // read by the transport as they are
                if (SettingTable.OtherVariables.Contains(name)) continue;
                var key = SettingTable.Aliases.TryGetValue(name, out var alias) ? alias : name["CONFER_".Length..].Replace("__", ":", StringComparison.Ordinal);
                conferVariables[key] = value;
                variables[key] = name;
            }
            else if (name.Contains("__", StringComparison.Ordinal))
            {
                // The sections' unprefixed form (Transport__Workers), as .NET hosts read it.
                var key = name.Replace("__", ":", StringComparison.Ordinal);
                var section = key[..key.IndexOf(':', StringComparison.Ordinal)];
                if (SettingTable.Sections.Any(s => s.Name.Equals(section, StringComparison.OrdinalIgnoreCase))
                    || SettingTable.OpenSections.Contains(section, StringComparer.OrdinalIgnoreCase))
                    sections[key] = value;
            }
        }

        var builder = new ConfigurationBuilder();
        if (file is not null) builder.AddJsonFile(file, optional: false, reloadOnChange: false);
        builder.Add(new MemoryConfigurationSource { InitialData = sections });
        builder.Add(new MemoryConfigurationSource { InitialData = conferVariables });
        builder.Add(new MemoryConfigurationSource { InitialData = flags });
        builder.Add(new MemoryConfigurationSource()); // Resolved: values settled by the settings (see Pin)
        IConfigurationRoot root;
        try
        {
            root = builder.Build();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException or System.Text.Json.JsonException)
        {
            var reason = (e.InnerException ?? e).Message.TrimEnd('.');
            problem = $"{file} is not a valid JSON configuration file ({reason}); fix it or give another with --config.";
            return null;
        }

        var providers = root.Providers.ToList();
        int at = 0;
        var layers = new List<Layer>();
        if (file is not null) layers.Add(new Layer(SettingSource.File, providers[at++], key => $"{key} in {file}"));
        layers.Add(new Layer(SettingSource.Environment, providers[at++], key => key.Replace(":", "__", StringComparison.Ordinal)));
        layers.Add(new Layer(SettingSource.Environment, providers[at++], key => variables.TryGetValue(key, out var v) ? v : Setting.EnvironmentNameOf(key)));
        layers.Add(new Layer(SettingSource.Flag, providers[at++], key => SettingTable.Find(key)?.Flag ?? key));
        return new ConferConfiguration(root, layers, file, variables) { _resolved = providers[at] };
    }

    /// <summary>The value of <paramref name="key"/> in the highest layer that has it: the layer and its items (several for a list).</summary>
    public (Layer Layer, string[] Values)? Read(string key, bool list)
    {
        for (int i = Layers.Count - 1; i >= 0; i--)
        {
            var provider = Layers[i].Provider;
            if (list)
            {
                var children = provider.GetChildKeys([], key).Distinct(StringComparer.OrdinalIgnoreCase)
                    .OrderBy(c => int.TryParse(c, out int n) ? n : int.MaxValue).ToList();
                if (children.Count > 0)
                {
                    var items = new List<string>();
                    foreach (var child in children)
                        if (provider.TryGet($"{key}:{child}", out var item) && !string.IsNullOrWhiteSpace(item)) items.Add(item.Trim());
                    return (Layers[i], [.. items]);
                }
            }
            if (provider.TryGet(key, out var value) && value is not null)
            {
                string[] values = list ? value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [value];
                return (Layers[i], values);
            }
        }
        return null;
    }

    /// <summary>Every key with a value in one layer (the leaves), as written there.</summary>
    public static IEnumerable<string> Leaves(IConfigurationProvider provider, string? parent = null)
    {
        foreach (var child in provider.GetChildKeys([], parent).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var path = parent is null ? child : $"{parent}:{child}";
            bool any = false;
            foreach (var leaf in Leaves(provider, path)) { any = true; yield return leaf; }
            if (!any && provider.TryGet(path, out var value) && value is not null) yield return path; // an empty {} or [] is no setting
        }
    }
}
