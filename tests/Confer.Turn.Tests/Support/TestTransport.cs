using Confer.Transport.Engine;

namespace Confer.Turn.Tests.Support;

/// <summary>
/// The epoll engine runs one worker per two cores by default, so one on a two-core machine. These tests run it (and the
/// `confer` processes they start, through <see cref="WorkersVariable"/>) with two workers, so the paths between workers, an
/// allocation's sockets staying on one worker among several, and TCP connections spread over workers are exercised on
/// any machine; the browser tests run the default.
/// </summary>
internal static class TestTransport
{
    /// <summary>The configuration key <c>Transport:Workers</c> as an environment variable of a `confer` process.</summary>
    public const string WorkersVariable = "Transport__Workers";

    /// <summary>
    /// What a `confer` process started by these tests gets in its environment: the same two workers, unless the run itself
    /// sets the count.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ProcessEnvironment =>
        Environment.GetEnvironmentVariable(WorkersVariable) is null ? new Dictionary<string, string> { [WorkersVariable] = "2" } : new Dictionary<string, string>();

    /// <summary>The in-process servers' transport, shared by every test of the assembly (as one process's is).</summary>
    public static readonly TransportRuntime Runtime = TransportRuntime.Create(new TransportOptions { Workers = 2 });

    /// <summary>The engine, or null where the platform has none.</summary>
    public static EpollEngine? Engine => Runtime.Engine;
}
