using System.Globalization;
using System.Net;
using Confer.Browser.Tests.Infrastructure;
using Confer.Turn.Tests.Infrastructure;

namespace Confer.Browser.Tests.Relay;

/// <summary>
/// Two Chromium pages call each other with <c>iceTransportPolicy: 'relay'</c> and only the TURN server under test
/// in their ICE servers, so media can only flow through it: the selected pair must be relay on both sides, with the
/// transport the URL asked for, and the callee must decode video frames. coturn runs the same rows as the anchor.
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
    [InlineData(Server.Coturn, "udp")]
    [InlineData(Server.Coturn, "tcp")]
    public async Task RelayOnlyCall_ThroughTurn_SelectsRelayPairAndDecodesFrames(Server server, string transport)
    {
        await using var turn = await StartAsync(server);
        await using var chromium = await ChromiumSession.LaunchAsync();
        await using var callerContext = await chromium.NewContextAsync();
        await using var calleeContext = await chromium.NewContextAsync();
        var caller = await chromium.NewBlankSecurePageAsync(callerContext);
        var callee = await chromium.NewBlankSecurePageAsync(calleeContext);
        object[] iceServers = [new { urls = $"turn:{turn.EndPoint}?transport={transport}", username = User, credential = Password }];

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

    private sealed record RunningTurn(IPEndPoint EndPoint, Func<string> Output, IAsyncDisposable Process) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }

    private static async Task<RunningTurn> StartAsync(Server server)
    {
        if (server == Server.Confer)
        {
            var confer = await ConferProcess.StartAsync(new ConferProcessOptions
            {
                // Loopback relay candidates reach loopback peers only when the server allows them (TESTING.md, "Forcing the relay").
                ExtraArguments = ["--turn-user", $"{User}:{Password}", "--realm", "confer.test", "--allow-loopback-peers"],
            });
            return new RunningTurn(confer.StunEndPoint, () => confer.Output, confer);
        }
        var coturn = await CoturnProcess.StartAsync(new CoturnProcessOptions
        {
            ExtraArguments = ["--relay-ip=127.0.0.1", "--lt-cred-mech", $"--user={User}:{Password}", "--realm=confer.test", "--fingerprint", "--allow-loopback-peers"],
        });
        return new RunningTurn(coturn.StunEndPoint, () => coturn.Output, coturn);
    }
}
