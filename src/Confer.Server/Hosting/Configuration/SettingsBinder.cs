namespace Confer.Server.Hosting.Configuration;

/// <summary>
/// Fills <see cref="ServerOptions"/> from the layers of a <see cref="ConferConfiguration"/>, setting by setting: each
/// takes its value from the highest layer that has it (a list is taken whole from one layer: a flag replaces the
/// file's list, it does not add to it). A secret may come from its <c>…File</c> companion instead.
/// </summary>
internal sealed class SettingsBinder
{
    /// <summary>Where each setting's value came from (absent: the default).</summary>
    public Dictionary<Setting, (SettingSource Source, string Name)> Sources { get; } = [];

    /// <summary>Secrets given as plain flags: <c>ps</c> shows them.</summary>
    public List<Setting> SecretsOnCommandLine { get; } = [];

    /// <summary>Applies every setting; returns one sentence for the first bad value, or null.</summary>
    public string? Bind(ConferConfiguration configuration, ServerOptions options)
    {
        options.Configuration = configuration.Root;
        foreach (var setting in SettingTable.All)
        {
            var direct = configuration.Read(setting.Key, setting.Repeatable);
            var file = setting.FileSetting is { } f ? configuration.Read(f.Key, list: false) : null;
            string[] values;
            string name;
            ConferConfiguration.Layer layer;
            if (file is { } fromFile && (direct is null || Rank(fromFile.Layer, configuration) > Rank(direct.Value.Layer, configuration)))
            {
                layer = fromFile.Layer;
                name = layer.Describe(setting.FileSetting!.Key);
                var path = fromFile.Values[0].Trim();
                if (!File.Exists(path)) return $"{name} {path}: no such file; give the file that holds {setting.Key}.";
                string text;
                try { text = File.ReadAllText(path).Trim(); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return $"{name} {path} cannot be read ({e.Message.TrimEnd('.')})."; }
                if (text.Length == 0) return $"{name} {path} is empty: put the value of {setting.Key} in it.";
                values = setting.Repeatable ? text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [text];
            }
            else if (direct is { } given)
            {
                if (file is { } both && Rank(both.Layer, configuration) == Rank(given.Layer, configuration))
                    return $"{given.Layer.Describe(setting.Key)} and {both.Layer.Describe(setting.FileSetting!.Key)} are both given; keep one of them.";
                layer = given.Layer;
                name = layer.Describe(setting.Key);
                values = given.Values;
                if (setting.Secret && layer.Source == SettingSource.Flag) SecretsOnCommandLine.Add(setting);
            }
            else
            {
                continue;
            }
            foreach (var value in values)
            {
                if (setting.Apply(options, value) is { } problem)
                    return setting.Secret ? $"{name} {problem}." : $"{name} '{value}' {problem}.";
            }
            Sources[setting] = (layer.Source, name);
        }
        // The Signaling section reads Signaling:Keys itself: it must see the keys chosen here, whatever layer held them.
        configuration.Pin("Signaling:Keys", string.Join(", ", options.Signaling.Keys.Keys.Select(k => options.Signaling.Keys.TryGetSecret(k, out var s) ? $"{k}: {s}" : "")));
        return null;
    }

    private static int Rank(ConferConfiguration.Layer layer, ConferConfiguration configuration)
    {
        for (int i = 0; i < configuration.Layers.Count; i++) if (ReferenceEquals(configuration.Layers[i], layer)) return i;
        return -1;
    }

    /// <summary>The warning for a secret given as a plain flag.</summary>
    public static string CommandLineWarning(Setting secret) =>
        $"confer: WARNING: {secret.Flag} is on the command line, where `ps` shows it to every user of this machine; " +
        $"give {secret.FileSetting?.Flag ?? secret.Flag + "-file"} or the environment variable {EnvironmentHint(secret)} instead.";

    private static string EnvironmentHint(Setting secret) =>
        SettingTable.Aliases.FirstOrDefault(a => a.Value == secret.Key).Key ?? secret.EnvironmentName;
}
