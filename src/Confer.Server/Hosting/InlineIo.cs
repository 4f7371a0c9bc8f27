namespace Confer.Server.Hosting;

/// <summary>
/// Socket work done where it completes. By default .NET hands every socket completion from its epoll thread to the
/// thread pool, and Kestrel hands connection I/O to the pool once more; for TURN over TCP that is several thread hops
/// per relayed message. With inline completions (the runtime reads <see cref="Variable"/> when its socket engine
/// starts, so it is set before the first socket) and Kestrel's inline scheduling, a message is read, relayed and
/// written on the thread that saw it arrive. That is only sound because nothing Confer runs on those paths blocks.
/// Measured on the TURN bench (quick run, TCP workloads, 2026-11-24 06:12 UTC): Confer's relayed Mb per CPU-second
/// went from 0.25x/0.30x of coturn's to 0.49x/0.67x. <c>CONFER_INLINE_IO=0</c> turns it off.
/// </summary>
public static class InlineIo
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Called by the CLI before anything opens a socket; an operator's own setting of the variable wins.</summary>
    public static void EnableByDefault()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null && Environment.GetEnvironmentVariable("CONFER_INLINE_IO") != "0")
            Environment.SetEnvironmentVariable(Variable, "1");
    }

    /// <summary>Whether socket completions run inline in this process (then Kestrel schedules inline too).</summary>
    public static bool Enabled => Environment.GetEnvironmentVariable(Variable) == "1";
}
