using System.Runtime.CompilerServices;

namespace Confer.Turn.Tests.Support;

/// <summary>
/// The relay engine runs one worker per two cores by default, so one on a two-core machine. These tests run it (and the
/// `confer` processes they start, which inherit the environment) with two workers, so the paths between workers, an
/// allocation's sockets staying on one worker among several, and TCP connections spread over workers are exercised on
/// any machine; the browser tests run the default.
/// </summary>
internal static class EngineThreads
{
    [ModuleInitializer]
    internal static void UseTwoWorkers()
    {
        if (Environment.GetEnvironmentVariable("CONFER_RELAY_THREADS") is null) Environment.SetEnvironmentVariable("CONFER_RELAY_THREADS", "2");
    }
}
