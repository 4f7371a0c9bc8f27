using System.Net;
using Confer.Cluster.Forwarding;
using Confer.Cluster.Nodes;
using Confer.Cluster.Rooms;
using Confer.Cluster.Routing;
using Confer.Server.Hosting;
using Confer.Server.Tests.Hosting;
using Confer.Signaling.Rooms;
using Confer.Signaling.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace Confer.Cluster.Tests.Support;

/// <summary>One Confer node in this process (real Kestrel, TURN and an Orleans silo on loopback ports) joined to a cluster.</summary>
internal sealed class ClusterNode : IAsyncDisposable
{
    public const string TurnSecret = "cluster-test-turn-secret-0123456789abcdef";

    private ClusterNode(WebApplication app) => App = app;

    public WebApplication App { get; }

    public int HttpPort => ConferHost.HttpAddress(App).Port;

    public int TurnPort => ConferHost.Turn(App).Port;

    public string Silo => App.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString();

    public string Name => App.Services.GetRequiredService<ILocalSiloDetails>().Name;

    /// <summary>How long an unused claim holds in these tests (30 s in production).</summary>
    public static readonly TimeSpan RoomReleaseAfter = TimeSpan.FromSeconds(2);

    public static async Task<ClusterNode> StartAsync(string redis, Action<ServerOptions>? configure = null)
    {
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, TurnTlsPort = 0, Dev = true, TurnSecret = TurnSecret };
        options.Cluster.Redis = redis;
        options.Cluster.Port = DrainClient.FreePort();
        options.Cluster.RoomReleaseAfter = RoomReleaseAfter;
        // A new room stays on the node first asked for it, so a test knows its room's node; LoadPlacementTests sets 0.
        options.Cluster.LocalSlack = 1_000_000;
        // The nodes share this process, so their CPU tells them apart by sampling noise only; CpuPlacementTests sets its own.
        options.Cluster.MaxCpu = 0;
        options.Cluster.CpuSlack = 100;
        configure?.Invoke(options);
        Assert.Null(options.Validate());
        var app = ConferHost.Build(options);
        await app.StartAsync();
        return new ClusterNode(app);
    }

    /// <summary>The members this node sees with the given status, by silo address.</summary>
    public IReadOnlyList<string> Members(SiloStatus status) =>
        [.. App.Services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.Members.Values
            .Where(m => m.Status == status).Select(m => m.SiloAddress.ToParsableString())];

    /// <summary>The status this node sees <paramref name="endpoint"/> (host:port) in, latest generation; null when unknown.</summary>
    public SiloStatus? StatusOf(IPEndPoint endpoint) =>
        App.Services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.Members.Values
            .Where(m => m.SiloAddress.Endpoint.Equals(endpoint)).OrderByDescending(m => m.SiloAddress.Generation)
            .Select(m => (SiloStatus?)m.Status).FirstOrDefault();

    /// <summary>Participants in this node's room <paramref name="room"/> (including those whose sockets are on other nodes).</summary>
    public int Participants(string room) =>
        App.Services.GetRequiredService<RoomManager>().Request(new ListParticipantsRequest(new RoomName(room))).Participants?.Count ?? 0;

    /// <summary>Participants of <paramref name="room"/> served here whose sockets are on other nodes.</summary>
    public int Remote(string room) => App.Services.GetRequiredService<RemoteParticipants>().CountIn(new RoomName(room));

    /// <summary>Sockets on this node whose room <paramref name="room"/> is on another node.</summary>
    public int Forwarded(string room) => App.Services.GetRequiredService<ClusterRouter>().ForwardedIn(new RoomName(room));

    /// <summary>This node's load now (rooms, participants, draining), as it tells the others.</summary>
    public NodeLoad Load => App.Services.GetRequiredService<NodeLoads>().Local;

    /// <summary>The load this node believes <paramref name="other"/> has (what it places new rooms by).</summary>
    public NodeLoad LoadSeen(ClusterNode other) =>
        App.Services.GetRequiredService<NodeLoads>().Of(other.App.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress);

    /// <summary>This node's keeper of the membership table (a test pauses it to stage a node set formed without the others).</summary>
    public Confer.Cluster.Membership.MembershipKeeper Keeper => App.Services.GetRequiredService<Confer.Cluster.Membership.MembershipKeeper>();

    public Task<RoomHost> HostOfAsync(string room) => App.Services.GetRequiredService<ClusterRouter>().HostOfAsync(new RoomName(room));

    /// <summary>Waits until this node sees <paramref name="count"/> active members; false after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitActiveAsync(int count, TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Members(SiloStatus.Active).Count != count)
        {
            if (Environment.TickCount64 > deadline) return false;
            await Task.Delay(100);
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        // Bounded: a silo whose membership table is gone (RedisTroubleTests: Redis came back empty) does not stop at
        // all; it is left behind rather than holding up the tests after it.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await App.StopAsync(cts.Token).WaitAsync(TimeSpan.FromSeconds(12));
            await App.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
        }
    }
}
