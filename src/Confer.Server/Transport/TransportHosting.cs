using Confer.Transport;
using Confer.Transport.Streams;
using Microsoft.Extensions.Options;

namespace Confer.Server.Transport;

/// <summary>
/// The transport's options from configuration (section "Transport": <c>Transport:Engine</c>, <c>Transport:Workers</c>,
/// or <c>Transport__Engine</c> / <c>Transport__Workers</c> in the environment), validated at start, and the process's
/// <see cref="TransportRuntime"/> made from them. The older variables <c>CONFER_RELAY_ENGINE=0</c> and
/// <c>CONFER_RELAY_THREADS=N</c> still work when the section does not set the same thing.
/// </summary>
internal static class TransportHosting
{
    public const string LegacyEngineKey = "CONFER_RELAY_ENGINE";
    public const string LegacyWorkersKey = "CONFER_RELAY_THREADS";

    /// <summary>
    /// Registers the options (ValidateOnStart) and the runtime, and returns the runtime: the STUN/TURN wiring needs it
    /// while the host is being built (which sockets the engine serves, whether Kestrel takes plain TCP).
    /// </summary>
    public static TransportRuntime AddConferTransport(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddOptions<TransportOptions>()
            .Configure(o => Bind(configuration, o))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TransportOptions>, Validator>();

        var options = new TransportOptions();
        Bind(configuration, options);
        // Impossible settings stop the host at start with the validator's sentence; until then, no engine.
        var runtime = TransportRuntime.Create(options.Validate() is null ? options : new TransportOptions { Engine = false });
        builder.Services.AddSingleton(_ => runtime); // created by a factory so the container disposes it (after what uses it)
        // One guard for every TCP/TLS client connection, the engine's and Kestrel's: caps at accept, deadlines after.
        builder.Services.AddSingleton(sp => new StreamConnectionMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        builder.Services.AddSingleton(sp => new StreamConnectionGuard(runtime.Options, sp.GetService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<StreamConnectionGuard>(), sp.GetRequiredService<StreamConnectionMetrics>()));
        return runtime;
    }

    /// <summary>The "Transport" section, then the older variables for what it leaves unset.</summary>
    internal static void Bind(IConfiguration configuration, TransportOptions options)
    {
        var section = configuration.GetSection(TransportOptions.Section);
        section.Bind(options);
        if (section[nameof(TransportOptions.Engine)] is null && configuration[LegacyEngineKey] == "0") options.Engine = false;
        if (section[nameof(TransportOptions.Workers)] is null && int.TryParse(configuration[LegacyWorkersKey], out int n) && n is >= 1 and <= TransportOptions.MaxWorkers)
            options.Workers = n;
    }

    private sealed class Validator : IValidateOptions<TransportOptions>
    {
        public ValidateOptionsResult Validate(string? name, TransportOptions options) =>
            options.Validate() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }
}
