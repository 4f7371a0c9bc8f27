using Confer.Cluster.Forwarding;
using Confer.Cluster.Membership;
using Confer.Cluster.Nodes;
using Confer.Cluster.Routing;
using Confer.Signaling.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using System.Net;

namespace Confer.Cluster;

/// <summary>
/// Turns a node into a member of the cluster (docs/scale-out.md): an Orleans silo in the same host as Kestrel, with
/// its membership and its room directory in Redis, failure detection tuned to declare a dead node within seconds, a
/// timeout on every call between nodes, <see cref="ClusterRouter"/> as the <see cref="IRoomRouter"/>, and the node's front
/// door for the others (<see cref="INodeGrain"/>, <see cref="RemoteParticipants"/>, <see cref="NodeWatch"/>). Called only
/// when <see cref="ClusterSettings.Enabled"/>: a node without a cluster starts nothing of Orleans.
/// </summary>
public static class ClusterHosting
{
    /// <summary>The grain directory (in Redis) that rooms register in.</summary>
    public const string RoomDirectory = "confer-rooms";

    public static IHostApplicationBuilder AddConferCluster(this IHostApplicationBuilder builder, ClusterSettings settings, IPAddress bound, string nodeName)
    {
        if (settings.Validate() is { } problem) throw new InvalidOperationException(problem);
        ClusterSettings.TryParseRedis(settings.Redis!, out var redis);
        var advertised = settings.AdvertisedAddress(bound);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => { o.ClusterId = settings.Id; o.ServiceId = settings.Id; });
            silo.Configure<SiloOptions>(o => o.SiloName = nodeName);
            silo.ConfigureEndpoints(advertised, settings.Port, settings.GatewayPort, listenOnAnyHostAddress: false);
            silo.UseRedisClustering(o => o.ConfigurationOptions = redis.Clone());
            silo.AddRedisGrainDirectory(RoomDirectory, o => o.ConfigurationOptions = redis.Clone());
            silo.Configure<ClusterMembershipOptions>(o => TuneFailureDetection(o, settings));
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = settings.CallTimeout);
            silo.AddPlacementDirector<NodePlacement, NodePlacementDirector>();
            silo.AddPlacementDirector<LoadPlacement, LoadPlacementDirector>();
        });
        // Orleans speaks at Information about every start step and every membership read: its warnings are what an operator needs.
        // (Polly: Orleans' placement retries log every attempt.)
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<ICpuGauge>(sp => settings.Cpu ?? new ProcessCpu(sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<IWhipRelay>(sp => sp.GetRequiredService<ClusterRouter>());
        builder.Services.AddSingleton<ClusterRouter>();
        builder.Services.AddSingleton<RemoteParticipants>();
        builder.Services.AddHostedService<NodeWatch>();
        builder.Services.AddSingleton<MembershipKeeper>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MembershipKeeper>());
        builder.Services.AddSingleton<NodeLoads>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NodeLoads>());
        builder.Services.Replace(ServiceDescriptor.Singleton<IRoomRouter>(sp => sp.GetRequiredService<ClusterRouter>()));
        return builder;
    }

    /// <summary>
    /// Failure detection as shipped (measured in docs/scale-out.md): each node probes three others every
    /// <see cref="ClusterSettings.ProbeTimeout"/>; three missed probes and two votes declare a node dead. The table
    /// refresh and the I-am-alive write are short so a crash seen by one node reaches the others quickly.
    /// </summary>
    internal static void TuneFailureDetection(ClusterMembershipOptions o, ClusterSettings settings)
    {
        o.ProbeTimeout = settings.ProbeTimeout;
        o.MaxProbeTimeout = settings.MaxProbeTimeout;
        o.NumMissedProbesLimit = 3;
        o.NumVotesForDeathDeclaration = 2;
        o.NumProbedSilos = 3;
        o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
        o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(30);
    }
}
