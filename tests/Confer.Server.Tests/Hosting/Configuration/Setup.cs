using System.Collections;
using System.CommandLine;
using Confer.Server.Cli;
using Confer.Server.Hosting.Configuration;

namespace Confer.Server.Tests.Hosting.Configuration;

/// <summary>
/// Runs the configuration pipeline of <c>confer serve</c> in-process: a real command line parsed by the serve command's
/// own flags, a given environment (never the test process's), a configuration file written to a temporary directory.
/// </summary>
internal sealed class Setup : IDisposable
{
    public const string LongSecret = "0123456789abcdef0123456789abcdef-long";

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "confer-config-" + Guid.NewGuid().ToString("N"));

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public Setup() => System.IO.Directory.CreateDirectory(Directory);

    /// <summary>Writes a file in the temporary directory; returns its path.</summary>
    public string Write(string name, string text)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    public ServeSetup Run(params string[] args) => Run(TimeProvider.System, checkPorts: false, args);

    public ServeSetup Run(TimeProvider time, bool checkPorts, params string[] args)
    {
        var config = ServeCommand.ConfigOption();
        var flags = new SettingFlags(SettingTable.All);
        var command = new Command("serve") { config };
        flags.AddTo(command);
        var parse = command.Parse(args);
        Assert.Empty(parse.Errors);
        return ServeSetup.Run(parse.GetValue(config), flags.ToConfiguration(parse), new Hashtable(Environment), time, checkPorts);
    }

    /// <summary>A run that must succeed.</summary>
    public ServeSetup Valid(params string[] args)
    {
        var setup = Run(args);
        Assert.True(setup.Problem is null, setup.Problem);
        return setup;
    }

    /// <summary>A run that must fail; its one sentence.</summary>
    public string Invalid(params string[] args)
    {
        var setup = Run(args);
        Assert.NotNull(setup.Problem);
        Assert.Equal(ServeSetup.ExitInvalid, setup.ExitCode);
        Assert.DoesNotContain('\n', setup.Problem);
        return setup.Problem;
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
