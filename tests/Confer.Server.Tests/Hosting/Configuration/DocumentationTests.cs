using Confer.Server.Hosting.Configuration;

namespace Confer.Server.Tests.Hosting.Configuration;

/// <summary>docs/configuration.md names every setting with its key, flag and environment variable.</summary>
public sealed class DocumentationTests
{
    [Fact]
    public void EverySetting_IsDocumented_WithItsKeyFlagAndVariable()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Confer.slnx"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var doc = File.ReadAllText(Path.Combine(dir.FullName, "docs", "configuration.md"));
        foreach (var setting in SettingTable.WithFiles)
            Assert.Contains($"| `{setting.Key}` | `{setting.Flag}` | `{setting.EnvironmentName}` |", doc);
    }

    [Fact]
    public void EveryKey_HasOneFlag_AndEveryFlagOneKey()
    {
        Assert.Equal(SettingTable.WithFiles.Count, SettingTable.WithFiles.Select(s => s.Key.ToUpperInvariant()).Distinct().Count());
        Assert.Equal(SettingTable.WithFiles.Count, SettingTable.WithFiles.Select(s => s.Flag).Distinct().Count());
    }
}
