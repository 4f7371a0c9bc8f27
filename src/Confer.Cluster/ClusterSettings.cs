using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Confer.Cluster;

/// <summary>
/// How a node joins the cluster (docs/scale-out.md, docs/configuration.md "Cluster"): the Redis that holds the
/// membership and the room directory, and the ports the nodes talk to each other on. Without <see cref="Redis"/> the
/// node runs alone and nothing of the cluster starts.
/// </summary>
public sealed class ClusterSettings
{
    /// <summary><c>redis://host:port</c> (or <c>rediss://</c>, with an optional <c>:password@</c> and <c>/db</c>); null: no cluster.</summary>
    public string? Redis { get; set; }

    /// <summary>The port other nodes reach this node's silo on (<c>--cluster-port</c>).</summary>
    public int Port { get; set; } = 11111;

    /// <summary>The Orleans client gateway port (<c>--cluster-gateway-port</c>); 0: no gateway (nodes need none).</summary>
    public int GatewayPort { get; set; }

    /// <summary>The address other nodes reach this node at (<c>--cluster-address</c>); null: the bound address, else the first up interface's.</summary>
    public IPAddress? Address { get; set; }

    /// <summary>Nodes with the same id on the same Redis form one cluster (<c>--cluster-id</c>).</summary>
    public string Id { get; set; } = "confer";

    /// <summary>
    /// This node's name in the cluster (<c>--node-name</c>): in logs, in the reason a join is sent elsewhere, and as the
    /// <c>node</c> label on every metric. Null: <see cref="DefaultNodeName"/>.
    /// </summary>
    public string? NodeName { get; set; }

    /// <summary>The name without <c>--node-name</c>: the host's name and the cluster port, which tells nodes on one host apart.</summary>
    public string DefaultNodeName => $"{Environment.MachineName}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The name this node goes by: <see cref="NodeName"/>, else <see cref="DefaultNodeName"/>.</summary>
    public string ResolvedNodeName => string.IsNullOrWhiteSpace(NodeName) ? DefaultNodeName : NodeName;

    /// <summary>The longest any call between nodes may take before it fails (Orleans' response timeout).</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a node waits for a probe's answer at first (Orleans' ProbeTimeout; its default is 5 s).</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The most a probe timeout may grow to while this node itself is unwell (Orleans' MaxProbeTimeout).</summary>
    public TimeSpan MaxProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a room's claim holds on its node without the room there: a join claims, then makes the room well within
    /// this; after it, with no room on the node, the claim lapses and the next node to ask becomes the room's node.
    /// </summary>
    public TimeSpan RoomReleaseAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The most participants this node serves before it takes no new rooms (<c>--cluster-max-participants</c>); 0: no
    /// limit. Rooms already here still take joins. When every live node is at its limit, a join for a new room is refused.
    /// </summary>
    public int MaxParticipants { get; set; }

    /// <summary>
    /// The CPU, in percent of the machine's cores, at which this node takes no new rooms (<c>--cluster-max-cpu</c>), like
    /// a node at <see cref="MaxParticipants"/>: the process's CPU averaged over the last few seconds
    /// (<see cref="Nodes.ProcessCpu"/>). 0: no limit.
    /// </summary>
    public int MaxCpu { get; set; } = 85;

    /// <summary>
    /// Nodes whose CPU is more than this many percentage points above the least busy node's are passed over for new
    /// rooms; within it, CPU counts as equal and participants decide (so noise in the measure does not flip the choice).
    /// </summary>
    public int CpuSlack { get; set; } = 15;

    /// <summary>The CPU measure this node reports; null: <see cref="Nodes.ProcessCpu"/>. A seam for the placement tests.</summary>
    internal Nodes.ICpuGauge? Cpu { get; set; }

    /// <summary>
    /// A new room stays on the node that was asked for it (the node its first participant's socket reached, which then
    /// needs no hop) while that node has at most this many participants more than the least-loaded node; beyond, it goes
    /// to the least-loaded node. 0: always the least-loaded.
    /// </summary>
    public int LocalSlack { get; set; } = 10;

    /// <summary>How often each node asks the others for their load (<see cref="Nodes.NodeLoads"/>).</summary>
    public TimeSpan LoadRefresh { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often each node reads the membership table to keep a copy of it and to see whether Redis lost it
    /// (<see cref="Membership.MembershipKeeper"/>): a lost table is put back within about this time.
    /// </summary>
    public TimeSpan MembershipCheck { get; set; } = TimeSpan.FromSeconds(1);

    public bool Enabled => !string.IsNullOrWhiteSpace(Redis);

    /// <summary>Reads a <c>redis://</c> URI into StackExchange.Redis options; a sentence that says what is wrong, or null.</summary>
    public static string? TryParseRedis(string text, out ConfigurationOptions options)
    {
        options = new ConfigurationOptions();
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss") || uri.Host.Length == 0)
            return "is not a Redis address like redis://10.0.0.5:6379";
        var port = uri.IsDefaultPort || uri.Port <= 0 ? 6379 : uri.Port;
        options.EndPoints.Add(uri.Host.Trim('[', ']'), port);
        options.Ssl = uri.Scheme == "rediss";
        if (uri.UserInfo.Length > 0)
        {
            var parts = Uri.UnescapeDataString(uri.UserInfo).Split(':', 2);
            if (parts.Length == 2)
            {
                if (parts[0].Length > 0) options.User = parts[0];
                options.Password = parts[1];
            }
            else options.Password = parts[0];
        }
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            if (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out var db)) return "has a path that is not a database number (like redis://host:6379/0)";
            options.DefaultDatabase = db;
        }
        options.AbortOnConnectFail = false; // a node that starts before Redis waits for it instead of failing for good
        options.ConnectTimeout = 5000;
        options.SyncTimeout = 5000;
        return null;
    }

    /// <summary>Checks the settings; a sentence that names the setting and what to change, or null.</summary>
    public string? Validate()
    {
        if (!Enabled) return null;
        if (TryParseRedis(Redis!, out _) is { } problem) return $"--cluster {Redis} {problem}.";
        if (Port is <= 0 or > 65535) return $"--cluster-port {Port} must be a port between 1 and 65535.";
        if (GatewayPort is < 0 or > 65535 || GatewayPort == Port) return $"--cluster-gateway-port {GatewayPort} must be 0 (none) or a port other than --cluster-port.";
        if (NodeName is { } name && (name.Length is 0 or > 64 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))))
            return $"--node-name '{name}' must be 1 to 64 letters, digits, '-', '_', '.' or ':'.";
        if (MaxParticipants < 0) return $"--cluster-max-participants {MaxParticipants} must be 0 (no limit) or more.";
        if (MaxCpu is < 0 or > 100) return $"--cluster-max-cpu {MaxCpu} must be a percent from 1 to 100, or 0 (no limit).";
        if (CpuSlack is < 0 or > 100) return "the cluster's CPU slack must be 0 to 100 percentage points.";
        if (LocalSlack < 0) return "the cluster's local slack must be 0 or more.";
        if (LoadRefresh <= TimeSpan.Zero) return "the cluster's load refresh time must be positive.";
        if (MembershipCheck <= TimeSpan.Zero) return "the cluster's membership check time must be positive.";
        if (RoomReleaseAfter <= TimeSpan.Zero) return "the cluster's room release time must be positive.";
        if (string.IsNullOrWhiteSpace(Id) || Id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            return $"--cluster-id '{Id}' must be letters, digits, '-', '_' or '.'.";
        return null;
    }

    /// <summary>The address to advertise: <see cref="Address"/>, else <paramref name="bound"/> when it is one address, else the first up interface's IPv4.</summary>
    public IPAddress AdvertisedAddress(IPAddress bound)
    {
        if (Address is { } given) return given;
        if (!bound.Equals(IPAddress.Any) && !bound.Equals(IPAddress.IPv6Any)) return bound;
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback) continue;
            foreach (var a in nic.GetIPProperties().UnicastAddresses)
                if (a.Address.AddressFamily == AddressFamily.InterNetwork) return a.Address;
        }
        return IPAddress.Loopback;
    }
}
