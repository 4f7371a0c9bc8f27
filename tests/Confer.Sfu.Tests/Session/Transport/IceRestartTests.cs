using System.Net;
using System.Text.RegularExpressions;
using Confer.Sfu.Ice;
using Confer.Sfu.Session;
using Confer.Sfu.Tests.Sdp;
using Confer.Sfu.Tests.Session.Client;
using Microsoft.Extensions.Logging.Abstractions;

namespace Confer.Sfu.Tests.Session.Transport;

/// <summary>
/// ICE restart on SFU connections (RFC 8445 §9) with the C# client on real sockets: new credentials move the transport to
/// a new ICE session while DTLS and the SRTP contexts stay; the old ufrag answers for the grace, then is gone. A path
/// change without a restart (USE-CANDIDATE from a new 5-tuple) moves media there. The SDP side: a publisher offer with a
/// new ufrag gets fresh server credentials and the same fingerprint; every SFU SDP carries TCP passive candidates below UDP.
/// </summary>
public sealed partial class IceRestartTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RestartIce_NewAddressAndCredentials_SameSrtp_OldUfragExpires(bool tcp)
    {
        using var harness = new TransportHarness(new SfuTransportOptions { IceRestartGrace = TimeSpan.FromMilliseconds(600) });
        var receiver = new RecordingReceiver();
        var (transport, client) = harness.Connect(receiver: receiver, tcp: tcp);
        var keys = client.Keys;
        string oldUfrag = transport.IceUfrag, oldPwd = transport.IcePwd;

        Assert.True(transport.RestartIce(client.Ufrag));
        Assert.NotEqual(oldUfrag, transport.IceUfrag);
        Assert.NotEqual(oldPwd, transport.IcePwd);
        Assert.NotNull(transport.PreviousIceSession);
        AssertRoundTrip(transport, client, receiver, 1); // the old path still carries media during the grace

        client.Rebind(); // the network changed: a new address
        Assert.True(client.Check(transport.IceUfrag, transport.IcePwd));
        Assert.Equal(client.LocalEndPoint, transport.IceSession.Selected!.Tuple.Client.ToEndPoint());
        Assert.Equal(MediaTransportState.Connected, transport.State);
        AssertRoundTrip(transport, client, receiver, 2); // same SRTP contexts: no new handshake
        Assert.Same(keys, client.Keys);
        Assert.Equal(0, transport.DecryptFailures);

        TransportHarness.WaitFor(() => transport.PreviousIceSession is null, "the old session expires after the grace");
        Assert.False(harness.Table.TryGet(oldUfrag, out _));
        Assert.False(client.Check(oldUfrag, oldPwd, timeoutMillis: 300));
        Assert.Equal(MediaTransportState.Connected, transport.State);
        AssertRoundTrip(transport, client, receiver, 3);
        Assert.Equal(1, harness.Table.Count);
    }

    [Fact]
    public void PathChange_UseCandidateFromNewTuple_MovesMedia()
    {
        using var harness = new TransportHarness();
        var receiver = new RecordingReceiver();
        var (transport, client) = harness.Connect(receiver: receiver);
        var before = transport.IceSession.Selected!.Tuple;
        client.Rebind();
        Assert.True(client.Check(transport.IceUfrag, transport.IcePwd, useCandidate: true));
        Assert.NotEqual(before, transport.IceSession.Selected!.Tuple);
        Assert.Equal(client.LocalEndPoint, transport.IceSession.Selected.Tuple.Client.ToEndPoint());
        AssertRoundTrip(transport, client, receiver, 1);
    }

    [Fact]
    public void Disposed_DuringGrace_BothSessionsLeaveTheTable()
    {
        using var harness = new TransportHarness();
        var (transport, client) = harness.Connect();
        Assert.True(transport.RestartIce(client.Ufrag));
        Assert.Equal(2, harness.Table.Count);
        transport.Dispose();
        Assert.Equal(0, harness.Table.Count);
        Assert.False(transport.RestartIce(client.Ufrag));
        Assert.Equal(0, harness.Table.Count);
    }

    [Fact]
    public void PublisherOffer_NewUfrag_RestartsIce_SameFingerprint_TcpCandidatesBelowUdp()
    {
        using var harness = new TransportHarness();
        var options = new SfuServiceOptions
        {
            UdpCandidates = () => [new IPEndPoint(IPAddress.Loopback, 3478)],
            TcpCandidates = () => [new IPEndPoint(IPAddress.Loopback, 8443)],
        };
        using var sfu = new SfuService(harness.Transports, options, TimeProvider.System, NullLoggerFactory.Instance);
        var offer = CapturedSdp.Read(CapturedSdp.SingleLayer);
        var first = sfu.Publish("room", "PA_1", offer, []);
        Assert.Null(first.Error);
        var udp = Candidate(first.Sdp!, "udp");
        var tcpCandidate = Candidate(first.Sdp!, "tcp");
        Assert.EndsWith("127.0.0.1 8443 typ host tcptype passive", tcpCandidate.Line);
        Assert.True(tcpCandidate.Priority < udp.Priority, "TCP must rank below UDP");

        var same = sfu.Publish("room", "PA_1", offer, []); // renegotiation, same credentials: no restart
        Assert.Equal(Ufrag(first.Sdp!), Ufrag(same.Sdp!));

        var restarted = offer.Replace("a=ice-ufrag:P9u9", "a=ice-ufrag:R3st").Replace("a=ice-pwd:lSepTj91DgXsRiRIvHJlnGHH", "a=ice-pwd:newPasswordForRestart0001");
        var answer = sfu.Publish("room", "PA_1", restarted, []);
        Assert.Null(answer.Error);
        Assert.NotEqual(Ufrag(first.Sdp!), Ufrag(answer.Sdp!));
        Assert.Equal(Fingerprint(first.Sdp!), Fingerprint(answer.Sdp!));
        Assert.Equal(1, harness.Transports.Count); // the same transport: DTLS is kept
        Assert.True(harness.Table.TryGet(Ufrag(answer.Sdp!), out var session));
        Assert.Equal("R3st", session.RemoteUfrag);
        Assert.True(harness.Table.TryGet(Ufrag(first.Sdp!), out _)); // the old one answers during the grace
    }

    [Fact]
    public void RestartSubscriberIce_NewOfferWithFreshCredentials_SameTracksAndTransport()
    {
        using var harness = new TransportHarness();
        using var sfu = new SfuService(harness.Transports, new SfuServiceOptions(), TimeProvider.System, NullLoggerFactory.Instance);
        Assert.Null(sfu.RestartSubscriberIce("room", "PA_2")); // nothing to restart yet
        const string stream = "b6d2acc8-0159-4a39-bd7a-e26113d1c52a";
        SfuTrack[] tracks = [new(stream, "PA_1", "audio", "microphone")];
        Assert.Null(sfu.Publish("room", "PA_1", CapturedSdp.Read(CapturedSdp.SingleLayer), tracks).Error);
        var offer = sfu.Subscribe("room", "PA_2", tracks);
        Assert.NotNull(offer);
        int transports = harness.Transports.Count;

        var restarted = sfu.RestartSubscriberIce("room", "PA_2");
        Assert.NotNull(restarted);
        Assert.NotEqual(Ufrag(offer!.Sdp), Ufrag(restarted!.Sdp));
        Assert.Equal(Fingerprint(offer.Sdp), Fingerprint(restarted.Sdp));
        Assert.Equal(offer.Tracks, restarted.Tracks);
        Assert.Equal(transports, harness.Transports.Count);
        Assert.True(harness.Table.TryGet(Ufrag(restarted.Sdp), out _));
        Assert.True(harness.Table.TryGet(Ufrag(offer.Sdp), out _)); // the old one answers during the grace
    }

    private static void AssertRoundTrip(MediaTransport transport, SfuTestClient client, RecordingReceiver receiver, int n)
    {
        var down = SfuTestClient.RtpPacket((ushort)(100 + n), ssrc: 0x5151_0000);
        var buffer = new byte[down.Length + IRtpPacketSender.ProtectionHeadroom];
        down.CopyTo(buffer, 0);
        Assert.True(transport.SendRtp(buffer, down.Length));
        Assert.Equal(down, client.ReceiveMedia(3000));
        client.SendMedia(SfuTestClient.RtpPacket((ushort)(200 + n)));
        TransportHarness.WaitFor(() => receiver.Rtp.Count >= n, $"RTP {n} from the client");
    }

    private static (string Line, long Priority) Candidate(string sdp, string protocol)
    {
        var match = CandidateLine().Matches(sdp).First(m => m.Groups[1].Value == protocol);
        return (match.Value.TrimEnd('\r'), long.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string Ufrag(string sdp) => UfragLine().Match(sdp).Groups[1].Value;

    private static string Fingerprint(string sdp) => FingerprintLine().Match(sdp).Groups[1].Value;

    [GeneratedRegex(@"a=candidate:\S+ 1 (udp|tcp) (\d+) [^\r\n]+")]
    private static partial Regex CandidateLine();

    [GeneratedRegex(@"a=ice-ufrag:(\S+)")]
    private static partial Regex UfragLine();

    [GeneratedRegex(@"a=fingerprint:([^\r\n]+)")]
    private static partial Regex FingerprintLine();
}
