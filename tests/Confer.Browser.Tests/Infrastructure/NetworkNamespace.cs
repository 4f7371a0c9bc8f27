using Confer.Turn.Tests.Infrastructure;

namespace Confer.Browser.Tests.Infrastructure;

/// <summary>Thrown when the machine cannot make network namespaces: a test that needs them fails with this sentence.</summary>
internal sealed class NetworkNamespaceUnavailableException(string message) : Exception(message);

/// <summary>
/// One Linux network namespace made by a test (<c>ip netns add</c>) and removed again when disposed, also when
/// the test failed. Names carry the test process's PID and a counter, so parallel runs never collide and a
/// leftover can be traced to its run. Nothing here links a namespace to the machine's own network.
/// </summary>
internal sealed class NetworkNamespace : IAsyncDisposable
{
    private static int s_counter;
    private bool _deleted;

    private NetworkNamespace(string name) => Name = name;

    /// <summary>The name for <c>ip netns exec</c> and <c>ip -n</c>.</summary>
    public string Name { get; }

    /// <summary>A name unique to this process and call: "cf{pid}-{n}{role}", short enough for any tool.</summary>
    public static string UniqueName(string role) =>
        $"cf{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}{role}";

    /// <summary>Creates the namespace with its loopback interface up.</summary>
    /// <exception cref="NetworkNamespaceUnavailableException">The machine does not allow it (not root, no iproute2…).</exception>
    public static async Task<NetworkNamespace> CreateAsync(string role)
    {
        if (!ExternalCommand.Exists("ip"))
            throw new NetworkNamespaceUnavailableException("Network namespace tests need iproute2's `ip` (test.sh installs it); it is not on PATH.");
        var name = UniqueName(role);
        var result = await ExternalCommand.RunAsync("ip", "netns", "add", name);
        if (!result.Succeeded)
        {
            throw new NetworkNamespaceUnavailableException(
                $"Cannot create network namespace '{name}': these tests need root (CAP_SYS_ADMIN and CAP_NET_ADMIN) and a kernel " +
                $"with network namespaces. `ip netns add` said: {result.StandardError.Trim()}");
        }
        var created = new NetworkNamespace(name);
        try
        {
            await created.IpAsync("link", "set", "lo", "up");
            return created;
        }
        catch
        {
            await created.DisposeAsync();
            throw;
        }
    }

    /// <summary><c>ip -n NAME …</c>; throws with the tool's output when it fails.</summary>
    public Task<string> IpAsync(params string[] arguments) => ExternalCommand.RunCheckedAsync("ip", ["-n", Name, .. arguments]);

    /// <summary>Runs a program inside the namespace (<c>ip netns exec NAME …</c>) with a time limit.</summary>
    public Task<CommandResult> ExecAsync(TimeSpan timeout, params string[] command) =>
        ExternalCommand.RunAsync("ip", ["netns", "exec", Name, .. command], timeout);

    /// <summary>Runs a program inside the namespace and throws with its output when it fails.</summary>
    public Task<string> ExecCheckedAsync(params string[] command) => ExternalCommand.RunCheckedAsync("ip", ["netns", "exec", Name, .. command]);

    /// <summary>Sets a per-namespace sysctl such as <c>net/ipv4/ip_forward</c>.</summary>
    public Task SetSysctlAsync(string key, string value) =>
        ExecCheckedAsync("sh", "-c", $"echo {value} > /proc/sys/{key}");

    /// <summary>Loads an nftables ruleset (nft -f syntax) into this namespace.</summary>
    public async Task ApplyNftablesAsync(string ruleset)
    {
        if (!ExternalCommand.Exists("nft")) throw new InvalidOperationException("nftables' `nft` is missing (test.sh installs it).");
        var file = Path.Combine(Path.GetTempPath(), $"{Name}-{Guid.NewGuid():N}.nft");
        await File.WriteAllTextAsync(file, ruleset);
        try
        {
            await ExecCheckedAsync("nft", "-f", file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Deletes the namespace (its interfaces go with it). Kill the processes started inside it first.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_deleted) return;
        _deleted = true;
        await ExternalCommand.RunAsync("ip", ["netns", "del", Name], TimeSpan.FromSeconds(10));
    }
}
