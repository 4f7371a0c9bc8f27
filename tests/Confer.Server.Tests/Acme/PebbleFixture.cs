using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Confer.Server.Tests.Acme;

/// <summary>Pebble started for a test class, validating against <see cref="Host"/>'s ports.</summary>
public sealed class PebbleFixture : IAsyncLifetime
{
    private PebbleServer _pebble = null!;

    internal AcmeTestHost Host { get; private set; } = null!;
    public Uri DirectoryUrl => _pebble.DirectoryUrl;
    public string CaRootFile => _pebble.CaRootFile;
    public HttpClient Http() => _pebble.Http();
    public Task<X509Certificate2> RootAsync() => _pebble.RootAsync();

    public async Task InitializeAsync()
    {
        Host = await AcmeTestHost.StartAsync();
        _pebble = await PebbleServer.StartAsync(Host.HttpPort, Host.TlsPort);
    }

    public async Task DisposeAsync()
    {
        await _pebble.DisposeAsync();
        await Host.DisposeAsync();
    }
}

/// <summary>
/// Pebble (Let's Encrypt's test ACME server) and pebble-challtestsrv (its DNS, every name → 127.0.0.1), with a
/// certificate of their own for 127.0.0.1, validating HTTP-01 on <c>httpPort</c> and TLS-ALPN-01 on <c>tlsPort</c>.
/// Only processes started here are stopped, by their own handles.
/// </summary>
internal sealed class PebbleServer : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly StringBuilder _output = new();

    public string Dir { get; } = Directory.CreateTempSubdirectory("confer-pebble-").FullName;
    public Uri DirectoryUrl { get; private set; } = null!;
    public string CaRootFile => Path.Combine(Dir, "pebble-tls.pem");
    public int ManagementPort { get; private set; }
    public string Output { get { lock (_output) return _output.ToString(); } }

    public static async Task<PebbleServer> StartAsync(int httpPort, int tlsPort)
    {
        var pebble = new PebbleServer();
        try { await pebble.StartProcessesAsync(httpPort, tlsPort); }
        catch { await pebble.DisposeAsync(); throw; }
        return pebble;
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private async Task StartProcessesAsync(int httpPort, int tlsPort)
    {
        WriteOwnCertificate();
        int acme = FreePort(), management = FreePort(), dns = FreeUdpPort(), challManagement = FreePort();
        ManagementPort = management;
        string config = Path.Combine(Dir, "pebble-config.json");
        File.WriteAllText(config, $$"""
            { "pebble": {
                "listenAddress": "127.0.0.1:{{acme}}", "managementListenAddress": "127.0.0.1:{{management}}",
                "certificate": "{{CaRootFile}}", "privateKey": "{{Path.Combine(Dir, "pebble-tls.key")}}",
                "httpPort": {{httpPort}}, "tlsPort": {{tlsPort}}, "ocspResponderURL": "", "externalAccountBindingRequired": false } }
            """);
        Start("pebble-challtestsrv", ["-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", $"127.0.0.1:{dns}",
            "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", $"127.0.0.1:{challManagement}"]);
        Start("pebble", ["-config", config, "-dnsserver", $"127.0.0.1:{dns}"]);
        DirectoryUrl = new Uri($"https://127.0.0.1:{acme}/dir");
        using var http = Http();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try { if ((await http.GetAsync(DirectoryUrl)).IsSuccessStatusCode) break; }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException("Pebble did not start within 30 s: " + Output);
            await Task.Delay(100);
        }
    }

    /// <summary>An HTTP client that trusts Pebble's own TLS certificate (for its directory and management port).</summary>
    public HttpClient Http() => new Confer.Server.Acme.AcmeSettings([], new Uri("https://x"), null, CaRootFile, Dir).CreateHttpClient();

    /// <summary>Pebble's issuing root (regenerated at each start), from its management port.</summary>
    public async Task<X509Certificate2> RootAsync()
    {
        using var http = Http();
        var pem = await http.GetStringAsync($"https://127.0.0.1:{ManagementPort}/roots/0");
        return X509Certificate2.CreateFromPem(pem);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes)
        {
            try { if (!p.HasExited) { p.Kill(); await p.WaitForExitAsync(new CancellationTokenSource(5000).Token); } }
            catch (InvalidOperationException) { }
            p.Dispose();
        }
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }

    private void Start(string file, string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Dir };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["PEBBLE_VA_NOSLEEP"] = "1";
        var p = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start.");
        _processes.Add(p);
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
    }

    private void WriteOwnCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(2));
        File.WriteAllText(CaRootFile, cert.ExportCertificatePem());
        File.WriteAllText(Path.Combine(Dir, "pebble-tls.key"), key.ExportPkcs8PrivateKeyPem());
    }

    private static int FreeUdpPort()
    {
        using var u = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)u.Client.LocalEndPoint!).Port;
        using var t = new TcpListener(IPAddress.Loopback, port); // challtestsrv's DNS listens on both
        t.Start();
        return port;
    }
}
