using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Confer.Turn.Tests.Infrastructure;

namespace Confer.Turn.Tests.TurnInterop;

/// <summary>
/// coturn's <c>turnutils_peer</c>: a UDP echo peer on one port of several addresses (127.0.0.1 and ::1 by default),
/// the far end of every relayed uclient message. Ready once it echoes a datagram; killed by its PID when disposed.
/// </summary>
internal sealed class TurnutilsPeer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly LogBuffer _output;

    private TurnutilsPeer(Process process, LogBuffer output, int port)
    {
        _process = process;
        _output = output;
        Port = port;
    }

    public static bool IsInstalled => ExternalCommand.Exists("turnutils_peer");

    public int Port { get; }
    public int Pid => _process.Id;
    public IPEndPoint IPv4 => new(IPAddress.Loopback, Port);
    public IPEndPoint IPv6 => new(IPAddress.IPv6Loopback, Port);
    public string Output => _output.ToString();

    public static async Task<TurnutilsPeer> StartAsync(CancellationToken cancellationToken = default)
    {
        if (!IsInstalled) throw new InvalidOperationException("coturn's turnutils_peer is not installed (apt-get install coturn; test.sh does it).");
        for (int attempt = 1; ; attempt++)
        {
            int port = FreePorts.FindRun(1, IPAddress.Loopback, IPAddress.IPv6Loopback);
            var info = new ProcessStartInfo("turnutils_peer")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "-L", "127.0.0.1", "-L", "::1", "-p", port.ToString(CultureInfo.InvariantCulture) })
                info.ArgumentList.Add(argument);
            var output = new LogBuffer();
            var process = new Process { StartInfo = info };
            process.OutputDataReceived += (_, e) => output.Add(e.Data);
            process.ErrorDataReceived += (_, e) => output.Add(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var peer = new TurnutilsPeer(process, output, port);
            if (await peer.EchoesAsync(cancellationToken)) return peer;
            await peer.DisposeAsync();
            if (attempt == 3) throw new InvalidOperationException($"turnutils_peer on port {port} did not echo.\n{output}");
        }
    }

    private async Task<bool> EchoesAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        byte[] probe = "confer-peer-probe"u8.ToArray();
        var buffer = new byte[64];
        while (deadline.Elapsed < TimeSpan.FromSeconds(10) && !_process.HasExited)
        {
            bool both = true;
            foreach (var target in new[] { IPv4, IPv6 })
            {
                using var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                await socket.SendToAsync(probe, SocketFlags.None, target, cancellationToken);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                wait.CancelAfter(TimeSpan.FromMilliseconds(300));
                try
                {
                    int n = await socket.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
                    both &= buffer.AsSpan(0, n).SequenceEqual(probe);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    both = false;
                }
            }
            if (both) return true;
        }
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await ExternalCommand.StopAsync(_process);
    }
}
