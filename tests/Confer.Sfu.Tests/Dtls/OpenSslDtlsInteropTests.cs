using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Confer.Sfu.Dtls;
using Xunit.Abstractions;
using DtlsTransport = Confer.Sfu.Dtls.DtlsTransport;

namespace Confer.Sfu.Tests.Dtls;

/// <summary>
/// The SFU's DTLS server against OpenSSL's <c>s_client -dtls1_2 -use_srtp</c> over real UDP on 127.0.0.1
/// (run the suite inside <c>unshare -n</c>): both sides must export identical SRTP keying material.
/// </summary>
public sealed class OpenSslDtlsInteropTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly string _dir = Directory.CreateTempSubdirectory("confer-dtls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("SRTP_AEAD_AES_128_GCM", 0x0007, 56)]
    [InlineData("SRTP_AES128_CM_SHA1_80", 0x0001, 60)]
    [InlineData("SRTP_AES128_CM_SHA1_32:SRTP_AES128_CM_SHA1_80", 0x0001, 60)]
    public async Task HandshakeAsync_OpenSslClient_KeyingMaterialMatches(string profiles, int expectedProfile, int materialLength)
    {
        var (certPath, keyPath) = await MakeClientCertificateAsync();
        var clientFingerprint = DtlsFingerprint.FromCertificate(X509Certificate2.CreateFromPem(File.ReadAllText(certPath)).RawData);

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        var sender = new UdpSender(socket);
        using var transport = new DtlsTransport(TestCertificates.Server, sender);
        using var stop = new CancellationTokenSource();
        var pump = PumpAsync(socket, sender, transport, stop.Token);

        var handshake = transport.HandshakeAsync(clientFingerprint);
        using var openssl = Start("openssl",
            "s_client", "-dtls1_2", "-connect", $"127.0.0.1:{port}", "-use_srtp", profiles,
            "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", materialLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-cert", certPath, "-key", keyPath, "-mtu", "1200");
        var stdout = new StringBuilder();
        var sawMaterial = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        openssl.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (stdout)
            {
                stdout.AppendLine(e.Data);
            }
            if (e.Data.Contains("Keying material:", StringComparison.Ordinal))
            {
                sawMaterial.TrySetResult();
            }
        };
        openssl.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine("err: " + e.Data); } } };
        openssl.BeginOutputReadLine();
        openssl.BeginErrorReadLine();

        try
        {
            var keys = await handshake.WaitAsync(Bound);
            await sawMaterial.Task.WaitAsync(Bound);
            string text;
            lock (stdout)
            {
                text = stdout.ToString();
            }
            string material = text.Split('\n').Single(l => l.Contains("Keying material:", StringComparison.Ordinal)).Split(':')[1].Trim();

            Assert.Equal(expectedProfile, keys.ProfileId);
            Assert.Contains("SRTP Extension negotiated, profile=" + (expectedProfile == 7 ? "SRTP_AEAD_AES_128_GCM" : "SRTP_AES128_CM_SHA1_80"), text, StringComparison.Ordinal);
            Assert.Contains("Extended master secret: yes", text, StringComparison.Ordinal);
            Assert.Contains("Cipher is ECDHE-ECDSA-AES128-GCM-SHA256", text, StringComparison.Ordinal);
            Assert.DoesNotContain("SHA1", text.Split('\n').Single(l => l.StartsWith("Requested Signature Algorithms", StringComparison.Ordinal)), StringComparison.Ordinal);
            Assert.Equal(material, Convert.ToHexString(keys.ToMaterial()));

            // EOF on stdin: s_client sends close_notify and exits; the transport notices.
            openssl.StandardInput.Close();
            await openssl.WaitForExitAsync().WaitAsync(Bound);
            await DtlsTransportTests.WaitUntilAsync(() => transport.State == DtlsTransportState.Closed && !transport.IsThreadAlive);
        }
        finally
        {
            lock (stdout)
            {
                output.WriteLine(stdout.ToString());
            }
            if (!openssl.HasExited)
            {
                openssl.Kill();
            }
            stop.Cancel();
            await pump;
        }
    }

    [Fact]
    public async Task HandshakeAsync_OpenSslClientWithOtherCertificate_FailsWithFingerprintMismatch()
    {
        var (certPath, keyPath) = await MakeClientCertificateAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        var sender = new UdpSender(socket);
        using var transport = new DtlsTransport(TestCertificates.Server, sender);
        using var stop = new CancellationTokenSource();
        var pump = PumpAsync(socket, sender, transport, stop.Token);

        var handshake = transport.HandshakeAsync(TestCertificates.Stranger.Fingerprint);
        using var openssl = Start("openssl", "s_client", "-dtls1_2", "-connect", $"127.0.0.1:{port}",
            "-use_srtp", "SRTP_AEAD_AES_128_GCM", "-cert", certPath, "-key", keyPath);
        try
        {
            var error = await Assert.ThrowsAsync<DtlsHandshakeException>(() => handshake.WaitAsync(Bound));
            Assert.Equal(DtlsHandshakeError.FingerprintMismatch, error.Error);
            // OpenSSL hears bad_certificate and gives up on its own.
            await openssl.WaitForExitAsync().WaitAsync(Bound);
            Assert.NotEqual(0, openssl.ExitCode);
        }
        finally
        {
            if (!openssl.HasExited)
            {
                openssl.Kill();
            }
            stop.Cancel();
            await pump;
        }
    }

    private async Task<(string Cert, string Key)> MakeClientCertificateAsync()
    {
        string cert = Path.Combine(_dir, "client.pem");
        string key = Path.Combine(_dir, "client.key");
        using var req = Start("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=webrtc");
        req.StandardInput.Close();
        await req.WaitForExitAsync().WaitAsync(Bound);
        Assert.Equal(0, req.ExitCode);
        return (cert, key);
    }

    internal static Process Start(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return Process.Start(info)!;
    }

    private static async Task PumpAsync(Socket socket, UdpSender sender, DtlsTransport transport, CancellationToken cancellation)
    {
        var buffer = new byte[65536];
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                var result = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cancellation);
                sender.Remote = result.RemoteEndPoint;
                transport.OnDatagram(buffer.AsSpan(0, result.ReceivedBytes));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }

    private sealed class UdpSender(Socket socket) : IDtlsSender
    {
        public volatile EndPoint? Remote;

        public void Send(ReadOnlySpan<byte> datagram)
        {
            if (Remote is { } remote)
            {
                socket.SendTo(datagram, SocketFlags.None, remote);
            }
        }
    }
}
