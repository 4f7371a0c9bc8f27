using System.Globalization;
using System.Net;
using Confer.Browser.Tests.Infrastructure;
using Confer.Turn.Tests.Infrastructure;
using Confer.Turn.Tests.TurnInterop;

namespace Confer.Browser.Tests.Relay;

/// <summary>
/// Two Chromium pages call each other with <c>iceTransportPolicy: 'relay'</c> and only the TURN server under test
/// in their ICE servers, so media can only flow through it: the selected pair must be relay on both sides, with the
/// transport the URL asked for, and the callee must decode video frames. TURN over TLS uses a throwaway certificate
/// trusted in a private NSS database (<see cref="TrustedHome"/>). coturn runs the same rows as the anchor.
/// </summary>
public sealed class RelayOnlyCallTests
{
    private const string User = "relay-user";
    private const string Password = "relay-pass";
    private static readonly TimeSpan MediaWait = TimeSpan.FromSeconds(20);

    public enum Server
    {
        Confer,
        Coturn,
    }

    [Theory]
    [InlineData(Server.Confer, "udp")]
    [InlineData(Server.Confer, "tcp")]
    [InlineData(Server.Confer, "tls")]
    [InlineData(Server.Coturn, "udp")]
    [InlineData(Server.Coturn, "tcp")]
    [InlineData(Server.Coturn, "tls")]
    public async Task RelayOnlyCall_ThroughTurn_SelectsRelayPairAndDecodesFrames(Server server, string transport)
    {
        bool tls = transport == "tls";
        using var certificate = tls ? TestCertificate.Create(IPAddress.Loopback) : null;
        using var home = certificate is null ? null : await TrustedHome.CreateAsync(certificate.CertificatePath);
        await using var turn = await StartAsync(server, certificate);
        await using var chromium = await ChromiumSession.LaunchAsync(environment: home?.Environment);
        await using var callerContext = await chromium.NewContextAsync();
        await using var calleeContext = await chromium.NewContextAsync();
        var caller = await chromium.NewBlankSecurePageAsync(callerContext);
        var callee = await chromium.NewBlankSecurePageAsync(calleeContext);
        var url = tls ? $"turns:{turn.TlsEndPoint}?transport=tcp" : $"turn:{turn.EndPoint}?transport={transport}";
        object[] iceServers = [new { urls = url, username = User, credential = Password }];

        var (callerStats, calleeStats) = await RelayCall.ConnectAsync(caller, callee, iceServers, MediaWait);

        var report = $"caller: {callerStats}\ncallee: {calleeStats}\n--- server ---\n{turn.Output()}";
        Assert.True(calleeStats.FramesDecoded > 0, $"the callee decoded no video frames through the relay.\n{report}");
        Assert.True(calleeStats.VideoWidth > 0, $"the callee's <video> shows nothing.\n{report}");
        foreach (var side in new[] { callerStats, calleeStats })
        {
            Assert.True(side.LocalCandidateType == "relay", $"the selected pair's local candidate is not relay.\n{report}");
            Assert.True(side.LocalRelayProtocol == transport, $"the relay candidate reached the server over {side.LocalRelayProtocol}, not {transport}.\n{report}");
            Assert.True(side.RemoteCandidateType == "relay", $"the selected pair's remote candidate is not relay.\n{report}");
        }
        // Only relay candidates were gathered at all (the policy, and no host candidate leaking into the SDP).
        Assert.All(callerStats.LocalCandidates.Concat(calleeStats.LocalCandidates), c => Assert.Contains(" typ relay", c, StringComparison.Ordinal));
    }

    private sealed record RunningTurn(IPEndPoint EndPoint, IPEndPoint? TlsEndPoint, Func<string> Output, IAsyncDisposable Process) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }

    /// <summary>Starts the server; with a certificate, also TURN over TLS on a free port.</summary>
    private static async Task<RunningTurn> StartAsync(Server server, TestCertificate? certificate)
    {
        int tlsPort = certificate is null ? 0 : FreePorts.FindTcp();
        var tlsEndPoint = certificate is null ? null : new IPEndPoint(IPAddress.Loopback, tlsPort);
        string port = tlsPort.ToString(CultureInfo.InvariantCulture);
        if (server == Server.Confer)
        {
            // Loopback relay candidates reach loopback peers only when the server allows them (TESTING.md, "Forcing the relay").
            List<string> arguments = ["--turn-user", $"{User}:{Password}", "--realm", "confer.test", "--allow-loopback-peers"];
            if (certificate is not null) arguments.AddRange(["--turn-tls-port", port, "--tls-cert", certificate.CertificatePath, "--tls-key", certificate.KeyPath]);
            var confer = await ConferProcess.StartAsync(new ConferProcessOptions { ExtraArguments = arguments });
            return new RunningTurn(confer.StunEndPoint, tlsEndPoint, () => confer.Output, confer);
        }
        List<string> flags = ["--relay-ip=127.0.0.1", "--lt-cred-mech", $"--user={User}:{Password}", "--realm=confer.test", "--fingerprint", "--allow-loopback-peers"];
        if (certificate is not null) flags.AddRange([$"--tls-listening-port={port}", $"--cert={certificate.CertificatePath}", $"--pkey={certificate.KeyPath}"]);
        var coturn = await CoturnProcess.StartAsync(new CoturnProcessOptions { ExtraArguments = flags, EnableTls = certificate is not null });
        return new RunningTurn(coturn.StunEndPoint, tlsEndPoint, () => coturn.Output, coturn);
    }
}
