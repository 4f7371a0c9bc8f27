using Confer.Cluster.Forwarding;
using Confer.Cluster.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Confer.Cluster.Nodes;

/// <summary>
/// Watches the membership for nodes declared dead and tells both sides of forwarding: the sockets here whose room was on
/// that node are told to resume (<see cref="ClusterRouter"/>: a live node makes the room and the session again from it), and the participants here whose sockets were on it
/// lose their connection and keep their resume grace (<see cref="RemoteParticipants"/>).
/// </summary>
internal sealed partial class NodeWatch(IClusterMembershipService membership, ClusterRouter router, RemoteParticipants remote, ILogger<NodeWatch> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken).ConfigureAwait(false))
                foreach (var member in snapshot.Members.Values)
                {
                    if (member.Status != SiloStatus.Dead) continue;
                    var silo = member.SiloAddress.ToParsableString();
                    if (!seen.Add(silo)) continue;
                    LogDead(log, member.Name ?? silo);
                    router.NodeDied(silo);
                    remote.NodeDied(silo);
                }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 2130, Level = LogLevel.Information, Message = "Node {Node} was declared dead: its forwarded participants are told to resume")]
    private static partial void LogDead(ILogger log, string node);
}
