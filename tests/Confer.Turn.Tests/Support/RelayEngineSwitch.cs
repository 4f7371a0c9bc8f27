using System.Runtime.CompilerServices;

namespace Confer.Turn.Tests.Support;

/// <summary>
/// The Linux relay engine is opt-in (<c>CONFER_RELAY_ENGINE=1</c>): this suite turns it on before anything allocates,
/// so every relay test here, and every <c>confer</c> process it starts, runs on it.
/// </summary>
internal static class RelayEngineSwitch
{
    [ModuleInitializer]
    internal static void TurnOn() => Environment.SetEnvironmentVariable("CONFER_RELAY_ENGINE", "1");
}
