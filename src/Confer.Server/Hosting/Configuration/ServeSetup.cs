using System.Collections;

namespace Confer.Server.Hosting.Configuration;

/// <summary>
/// From the command line and the environment to checked <see cref="ServerOptions"/>: the configuration's layers, the
/// unknown-key check, the settings, their validation and the start checks. <c>confer serve</c> and
/// <c>confer config check</c> both go through it, so what the check accepts is what starts.
/// </summary>
internal sealed class ServeSetup
{
    /// <summary>Exit codes of <c>confer serve</c> and <c>confer config check</c> (docs/configuration.md).</summary>
    public const int ExitInvalid = 2, ExitPortInUse = 3;

    public ServerOptions Options { get; } = new();
    public ConferConfiguration? Configuration { get; private set; }
    public SettingsBinder Binder { get; } = new();

    /// <summary>The sentence that stops the start, or null.</summary>
    public string? Problem { get; private set; }

    public int ExitCode { get; private set; }

    /// <summary>Lines to print before starting (a secret on the command line…).</summary>
    public List<string> Warnings { get; } = [];

    public static ServeSetup Run(string? configPath, IReadOnlyDictionary<string, string?> flags, IDictionary environment, TimeProvider time, bool checkPorts)
    {
        var setup = new ServeSetup();
        configPath ??= environment["CONFER_CONFIG"] as string;
        setup.Configuration = ConferConfiguration.Load(configPath, flags, environment, out var problem);
        problem ??= setup.Configuration is { } configuration
            ? KnownKeys.FindUnknown(configuration) ?? setup.Binder.Bind(configuration, setup.Options) ?? setup.Options.Validate() ?? StartChecks.Check(setup.Options, time)
            : null;
        if (problem is not null) return setup.Fail(problem, ExitInvalid);
        foreach (var secret in setup.Binder.SecretsOnCommandLine) setup.Warnings.Add(SettingsBinder.CommandLineWarning(secret));
        if (checkPorts && StartChecks.PortInUse(setup.Options) is { } inUse) return setup.Fail(inUse, ExitPortInUse);
        return setup;
    }

    private ServeSetup Fail(string problem, int exitCode)
    {
        Problem = problem;
        ExitCode = exitCode;
        return this;
    }
}
