using Confer.Cluster;

namespace Confer.Server.Hosting;

/// <summary>Several nodes as one service (docs/scale-out.md; docs/configuration.md, "Cluster").</summary>
public sealed partial class ServerOptions
{
    /// <summary>The cluster this node joins (<c>--cluster redis://host:port</c>); not enabled: it runs alone.</summary>
    public ClusterSettings Cluster { get; } = new();

    /// <summary>Checks the cluster settings; a sentence that says what to change, or null.</summary>
    public string? ValidateCluster()
    {
        if (!Cluster.Enabled) return null;
        if (Cluster.Validate() is { } problem) return problem;
        // A TURN password is an HMAC of the TURN secret: credentials minted by one node work on another only if they share it.
        if (!TurnOnly && string.IsNullOrEmpty(TurnSecret))
            return "--cluster needs --turn-secret (the same on every node), so TURN credentials handed out by one node work on every node.";
        if (Cluster.Port == HttpPort || Cluster.Port == TurnPort)
            return $"--cluster-port {Cluster.Port} is taken by --http-port or --turn-port: give the cluster its own port.";
        return null;
    }
}
