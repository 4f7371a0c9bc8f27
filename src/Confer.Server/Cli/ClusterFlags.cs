using Confer.Cluster;
using Confer.Server.Hosting;
using Confer.Server.Hosting.Configuration;

namespace Confer.Server.Cli;

/// <summary>The cluster settings of <c>confer serve</c> (docs/configuration.md, "Cluster"; docs/scale-out.md).</summary>
internal static class ClusterFlags
{
    public static readonly Setting[] Settings =
    [
        Setting.Custom("Cluster:Redis", "--cluster", "Join the cluster whose membership and room directory live in this Redis, like redis://10.0.0.5:6379 (default: none, the node runs alone).",
            o => o.Cluster.Redis ?? "", SetRedis),
        Setting.Port("Cluster:Port", "--cluster-port", "The port other nodes reach this node on (default 11111).", o => o.Cluster.Port, (o, v) => o.Cluster.Port = v),
        Setting.Port("Cluster:GatewayPort", "--cluster-gateway-port", "Orleans' client gateway port (default 0: none; nodes need none).", o => o.Cluster.GatewayPort, (o, v) => o.Cluster.GatewayPort = v),
        Setting.Address("Cluster:Address", "--cluster-address", "The address other nodes reach this node at (default: --bind when it is one address, else the first network interface's).",
            o => o.Cluster.Address, (o, v) => o.Cluster.Address = v),
        Setting.Text("Cluster:NodeName", "--node-name", "This node's name in the cluster, and the node label on its metrics (default: host name:cluster port).",
            o => o.Cluster.NodeName, (o, v) => o.Cluster.NodeName = v.Trim()),
        Setting.Int("Cluster:MaxParticipants", "--cluster-max-participants", "The most participants this node serves before it takes no new rooms (default 0: no limit).",
            o => o.Cluster.MaxParticipants, (o, v) => o.Cluster.MaxParticipants = v),
        Setting.Int("Cluster:MaxCpu", "--cluster-max-cpu", "The CPU, in percent of the machine's cores over the last few seconds, at which this node takes no new rooms (default 85; 0: CPU is not weighed at all).",
            o => o.Cluster.MaxCpu, (o, v) => o.Cluster.MaxCpu = v),
        Setting.Text("Cluster:Id", "--cluster-id", "Nodes with the same id on the same Redis form one cluster (default confer).", o => o.Cluster.Id, (o, v) => o.Cluster.Id = v.Trim()),
    ];

    private static string? SetRedis(ServerOptions options, string value)
    {
        if (ClusterSettings.TryParseRedis(value, out _) is { } problem) return problem;
        options.Cluster.Redis = value.Trim();
        return null;
    }
}
