using System.CommandLine;

namespace Confer.Server.Cli;

/// <summary>The <c>confer</c> command line: one verb per file, wired here.</summary>
public static class ConferCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Confer: self-hosted video meetings with signaling, STUN and TURN in one binary.")
        {
            ServeCommand.Create(),
            TokenCommand.Create(),
            RoomCommand.Create(),
            ParticipantCommand.Create(),
            ConfigCommand.Create(),
        };
        // No termination handling of System.CommandLine's (it would end the process 2 s after SIGTERM): `serve` drains on
        // SIGTERM and Ctrl-C itself (Hosting/DrainLifetime.cs), the other verbs are short.
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }
}
