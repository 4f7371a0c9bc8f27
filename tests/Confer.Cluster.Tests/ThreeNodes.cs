using Confer.Cluster.Tests.Support;

namespace Confer.Cluster.Tests;

/// <summary>A real redis-server and three in-process Confer nodes that have formed one cluster (shared by a test class).</summary>
public class ThreeNodes : IAsyncLifetime
{
    /// <summary>Settings every node of this cluster gets (none: the test defaults).</summary>
    protected virtual void Configure(Confer.Server.Hosting.ServerOptions options)
    {
    }

    private RedisProcess? _redis;

    internal RedisProcess Redis => _redis!;

    internal List<ClusterNode> Nodes { get; } = [];

    /// <summary>Kills Redis (SIGKILL, its PID); <see cref="StartRedisAgainAsync"/> brings an empty one back on the same port.</summary>
    internal void KillRedis() => _redis!.Dispose();

    internal async Task StartRedisAgainAsync() => _redis = await RedisProcess.StartAsync(_redis!.Port);

    public async Task InitializeAsync()
    {
        _redis = await RedisProcess.StartAsync();
        for (var i = 0; i < 3; i++) Nodes.Add(await ClusterNode.StartAsync(_redis.Uri, Configure));
        foreach (var node in Nodes)
            Assert.True(await node.WaitActiveAsync(3, TimeSpan.FromSeconds(30)), $"{node.Name} did not see three active nodes");
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(Nodes.Select(n => n.DisposeAsync().AsTask()));
        _redis?.Dispose();
    }
}

/// <summary>The cluster tests share two cores with the failure detector they measure: one at a time.</summary>
[CollectionDefinition("cluster", DisableParallelization = true)]
public sealed class ClusterCollection;
