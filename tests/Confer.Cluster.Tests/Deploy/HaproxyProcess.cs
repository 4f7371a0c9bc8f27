using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Confer.Cluster.Tests.Deploy;

/// <summary>
/// Debian's <c>haproxy</c> running the shipped <c>deploy/haproxy.cfg</c>, rendered for loopback: the frontend's
/// <c>bind :443</c>, each <c>server nodeN 10.0.0.1N:443</c> and the stats socket's path get loopback ports and a temporary
/// directory; the process identity lines (<c>user</c>, <c>group</c>) are dropped so that it runs as the test does.
/// Every other line runs as shipped. Ended by its PID.
/// </summary>
internal sealed partial class HaproxyProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly StringBuilder _output = new();

    private HaproxyProcess(Process process, string dir, int port) => (_process, _dir, Port) = (process, dir, port);

    public int Port { get; }

    public string Output { get { lock (_output) return _output.ToString(); } }

    private string Socket => Path.Combine(_dir, "confer.sock");

    public static string Shipped => Path.Combine(RepoRoot(), "deploy", "haproxy.cfg");

    /// <summary>The shipped file with <paramref name="port"/> for the frontend, the nodes' HTTPS ports and the stats socket in <paramref name="dir"/>.</summary>
    public static string Render(int port, IReadOnlyList<int> nodePorts, string dir)
    {
        var text = File.ReadAllText(Shipped);
        Assert.Equal(nodePorts.Count, ServerLine().Matches(text).Count);
        text = text.Replace("bind :443", $"bind 127.0.0.1:{port}", StringComparison.Ordinal)
            .Replace("/run/haproxy/confer.sock", Path.Combine(dir, "confer.sock"), StringComparison.Ordinal);
        text = ServerLine().Replace(text, m => $"server node{m.Groups[1].Value} 127.0.0.1:{nodePorts[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) - 1]}");
        return string.Join('\n', text.Split('\n').Where(l => !IdentityLine().IsMatch(l)));
    }

    public static async Task<HaproxyProcess> StartAsync(IReadOnlyList<int> nodePorts)
    {
        var dir = Directory.CreateTempSubdirectory("confer-haproxy-").FullName;
        var port = Server.Tests.Hosting.DrainClient.FreePort();
        var config = Path.Combine(dir, "haproxy.cfg");
        await File.WriteAllTextAsync(config, Render(port, nodePorts, dir));
        var info = new ProcessStartInfo("haproxy") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-db", "-f", config }) info.ArgumentList.Add(a);
        var haproxy = new HaproxyProcess(Process.Start(info)!, dir, port);
        haproxy._process.OutputDataReceived += (_, e) => { lock (haproxy._output) haproxy._output.AppendLine(e.Data); };
        haproxy._process.ErrorDataReceived += (_, e) => { lock (haproxy._output) haproxy._output.AppendLine(e.Data); };
        haproxy._process.BeginOutputReadLine();
        haproxy._process.BeginErrorReadLine();
        var deadline = Environment.TickCount64 + 10_000;
        while (!File.Exists(haproxy.Socket))
        {
            if (haproxy._process.HasExited || Environment.TickCount64 > deadline)
            {
                haproxy.Dispose();
                throw new InvalidOperationException($"haproxy did not start:\n{haproxy.Output}");
            }
            await Task.Delay(50);
        }
        return haproxy;
    }

    /// <summary><c>haproxy -c</c> on a file: its exit code and output.</summary>
    public static (int Code, string Output) Check(string file)
    {
        var info = new ProcessStartInfo("haproxy") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-c", "-f", file }) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(10_000), "haproxy -c did not finish");
        return (process.ExitCode, output.Result + error.Result);
    }

    /// <summary>
    /// Each node's row of <c>show stat</c> on the stats socket: its open sessions, its health (UP, DOWN, …) and its last
    /// check's result (<c>L7OK</c>: <c>/readyz</c> over TLS answered 200).
    /// </summary>
    public async Task<Dictionary<string, (int Sessions, string Status, string Check)>> NodesAsync()
    {
        var lines = (await CommandAsync("show stat")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimStart('#', ' ').Split(',');
        var (name, sessions, status, check) = (Array.IndexOf(header, "svname"), Array.IndexOf(header, "scur"), Array.IndexOf(header, "status"),
            Array.IndexOf(header, "check_status"));
        return lines.Skip(1).Select(l => l.Split(',')).Where(f => f[0] == "confer_nodes" && f[name].StartsWith("node", StringComparison.Ordinal))
            .ToDictionary(f => f[name], f => (int.Parse(f[sessions], CultureInfo.InvariantCulture), f[status], f[check]));
    }

    /// <summary>One command on the stats socket (level admin), e.g. <c>set server confer_nodes/node1 state drain</c>; its answer.</summary>
    public async Task<string> CommandAsync(string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var cts = new CancellationTokenSource(5000);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(Socket), cts.Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"), cts.Token);
        var text = new StringBuilder();
        var buffer = new byte[8192];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, cts.Token)) > 0) text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        return text.ToString();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(); // SIGKILL, this PID only
            _process.WaitForExit(5000);
        }
        _process.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Confer.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"no Confer.slnx above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"server node(\d) 10\.0\.0\.1\d:443")]
    private static partial Regex ServerLine();

    [GeneratedRegex(@"^\s*(user|group)\s")]
    private static partial Regex IdentityLine();
}
