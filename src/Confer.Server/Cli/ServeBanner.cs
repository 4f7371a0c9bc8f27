using Confer.Server.Hosting;

namespace Confer.Server.Cli;

/// <summary>
/// What <c>confer serve</c> says at start about who can reach it: a dev server on loopback says so in plain words;
/// a dev server (or loopback relaying) on a network address gets a warning, because anyone who reaches it can use it.
/// </summary>
internal static class ServeBanner
{
    public static IEnumerable<string> Exposure(ServerOptions options)
    {
        if (options.Dev && options.LoopbackOnly)
        {
            yield return "confer: dev mode: listening on loopback only, with the known dev key and open rooms; other machines cannot reach this server.";
        }
        else if (options.Dev)
        {
            yield return $"confer: WARNING: dev mode on a network address ({options.Bind}): anyone who can reach it gets a token from /api/token " +
                "(the dev key is public knowledge) and joins any room. To serve other machines, run without --dev and give --keys.";
            if (!options.LoopbackPeersAllowed)
                yield return "confer: dev mode on a network address: TURN refuses loopback peers (every listener must be on loopback to allow them).";
        }
        if (options.AllowLoopbackPeers && !options.LoopbackOnly)
        {
            yield return "confer: WARNING: --allow-loopback-peers on a network address: anyone with TURN credentials can relay into " +
                "this host's loopback-only services.";
        }
    }
}
