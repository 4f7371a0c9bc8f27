using Confer.Sfu.Dtls;
using Confer.Sfu.Session;
using Confer.Sfu.Srtp;
using Confer.Sfu.Tests.Session.Client;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Sfu.Tests.Session.Transport;

/// <summary>End to end over real UDP on 127.0.0.1: ICE check, DTLS handshake, SRTP both ways (run inside unshare -n).</summary>
public sealed class MediaTransportTests
{
    public static TheoryData<int, SrtpProfile> Profiles => new()
    {
        { DtlsSrtpProfile.AeadAes128Gcm, SrtpProfile.AeadAes128Gcm },
        { DtlsSrtpProfile.Aes128CmHmacSha1_80, SrtpProfile.Aes128CmHmacSha1Tag80 },
    };

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Connect_ClientSendsSrtp_ReceiverGetsExactPlaintext(int dtlsProfile, SrtpProfile expected)
    {
        using var harness = new TransportHarness();
        var receiver = new RecordingReceiver();
        var (transport, client) = harness.Connect([dtlsProfile], receiver);
        Assert.Equal(expected, transport.Profile);
        Assert.Equal(expected, client.Profile);

        var sent = new List<byte[]>();
        for (ushort seq = 1000; seq < 1020; seq++)
        {
            var plain = SfuTestClient.RtpPacket(seq, payloadLength: 100 + seq % 7);
            sent.Add(plain);
            client.SendMedia(plain);
        }
        var report = SfuTestClient.RtcpReceiverReport();
        client.SendMedia(report, rtcp: true);

        TransportHarness.WaitFor(() => receiver.Rtp.Count == sent.Count && receiver.Rtcp.Count == 1, "20 RTP and 1 RTCP");
        Assert.Equal(sent, receiver.Rtp.ToArray()); // loopback keeps order
        Assert.Equal(report, Assert.Single(receiver.Rtcp));
        Assert.Equal(21, transport.PacketsIn);
        Assert.Equal(0, transport.DecryptFailures);
        Assert.Equal(0, harness.Server.HandlerExceptions);
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void SendRtp_Connected_ClientUnprotectsExactPlaintext(int dtlsProfile, SrtpProfile expected)
    {
        using var harness = new TransportHarness();
        var (transport, client) = harness.Connect([dtlsProfile]);
        Assert.Equal(expected, transport.Profile);
        var buffer = new byte[1500];
        for (ushort seq = 1; seq <= 10; seq++)
        {
            var plain = SfuTestClient.RtpPacket(seq, ssrc: 0xCAFE_0001, payloadLength: 1000);
            plain.CopyTo(buffer, 0);
            Assert.True(transport.SendRtp(buffer, plain.Length));
            Assert.NotEqual(plain, buffer[..plain.Length]); // protected in place
            Assert.Equal(plain, client.ReceiveMedia(2000));
        }
        var report = SfuTestClient.RtcpReceiverReport(0xCAFE_0001);
        report.CopyTo(buffer, 0);
        Assert.True(transport.SendRtcp(buffer, report.Length));
        Assert.Equal(report, client.ReceiveMedia(2000, rtcp: true));
        Assert.Equal(11, transport.PacketsOut);
        Assert.Equal(0, transport.DroppedOut);
    }

    [Fact]
    public void SendRtp_BeforeConnected_DropsAndCounts()
    {
        using var harness = new TransportHarness();
        var client = harness.NewClient();
        Assert.True(harness.Transports.TryCreate(client.Fingerprint, client.Ufrag, out var transport));
        var buffer = new byte[300];
        SfuTestClient.RtpPacket(1).CopyTo(buffer, 0);
        Assert.False(transport.SendRtp(buffer, 212));
        Assert.True(client.Check(transport.IceUfrag, transport.IcePwd));
        Assert.Equal(MediaTransportState.Checking, transport.State);
        Assert.False(transport.SendRtp(buffer, 212));
        Assert.Equal(2, transport.DroppedOut);
        Assert.Equal(0, transport.PacketsOut);
    }

    [Fact]
    public void Handshake_WrongClientFingerprint_TransportFailsWithoutSrtp()
    {
        using var harness = new TransportHarness();
        var receiver = new RecordingReceiver();
        var client = harness.NewClient();
        var states = new List<MediaTransportState>();
        Assert.True(harness.Transports.TryCreate(TransportHarness.StrangerCertificate.Fingerprint, client.Ufrag, out var transport));
        transport.StateChanged += (_, s) => { lock (states) states.Add(s); };
        transport.Receiver = receiver;
        Assert.True(client.Check(transport.IceUfrag, transport.IcePwd));
        Assert.ThrowsAny<Exception>(() => client.Connect(DtlsFingerprint.Parse(transport.Fingerprint)));
        TransportHarness.WaitFor(() => transport.State == MediaTransportState.Failed, "transport failed");
        Assert.Null(transport.Profile);
        var buffer = new byte[300];
        SfuTestClient.RtpPacket(1).CopyTo(buffer, 0);
        Assert.False(transport.SendRtp(buffer, 212));
        // Nominating again does not bring a failed transport back.
        Assert.True(client.Check(transport.IceUfrag, transport.IcePwd));
        Assert.Equal(MediaTransportState.Failed, transport.State);
        lock (states) Assert.Equal([MediaTransportState.Checking, MediaTransportState.Failed], states);
        Assert.Empty(receiver.Rtp);
    }

    [Fact]
    public void SetRemoteFingerprint_AfterClientHello_HandshakeCompletes()
    {
        using var harness = new TransportHarness();
        var client = harness.NewClient();
        Assert.True(harness.Transports.TryCreate(null, null, out var transport));
        Assert.True(client.Check(transport.IceUfrag, transport.IcePwd));
        var connect = Task.Run(() => client.Connect(DtlsFingerprint.Parse(transport.Fingerprint)));
        TransportHarness.WaitFor(() => transport.State == MediaTransportState.Checking && harness.Server.Received >= 2, "ClientHello arrived");
        Thread.Sleep(50);
        Assert.False(connect.IsCompleted);
        transport.SetRemoteFingerprint(client.Fingerprint);
        Assert.True(connect.Wait(TimeSpan.FromSeconds(10)));
        TransportHarness.WaitFor(() => transport.State == MediaTransportState.Connected, "connected");
    }

    [Fact]
    public void ConsentLost_ThenNominatedAgain_DisconnectsAndRecovers()
    {
        using var harness = new TransportHarness();
        var (transport, client) = harness.Connect();
        var tuple = Assert.Single(PathsOf(harness, transport));
        harness.Table.RemovePath(tuple); // what the consent sweep does to a silent path (RFC 7675 §5.1)
        Assert.Equal(MediaTransportState.Disconnected, transport.State);
        var buffer = new byte[300];
        SfuTestClient.RtpPacket(7).CopyTo(buffer, 0);
        Assert.False(transport.SendRtp(buffer, 212));

        Assert.True(client.Check(transport.IceUfrag, transport.IcePwd));
        Assert.Equal(MediaTransportState.Connected, transport.State);
        var plain = SfuTestClient.RtpPacket(8);
        plain.CopyTo(buffer, 0);
        Assert.True(transport.SendRtp(buffer, plain.Length));
        Assert.Equal(plain, client.ReceiveMedia(2000));
    }

    [Fact]
    public void ConsentExpires_SweepDisconnects_NextCheckReconnects()
    {
        var clock = new FakeTimeProvider();
        using var harness = new TransportHarness(iceTime: clock);
        var (transport, client) = harness.Connect();
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, harness.Table.Sweep());
        Assert.Equal(MediaTransportState.Connected, transport.State);
        clock.Advance(TimeSpan.FromSeconds(2)); // past IceOptions.ConsentTimeout (30 s) without a check (RFC 7675 §5.1)
        Assert.Equal(1, harness.Table.Sweep());
        Assert.Equal(MediaTransportState.Disconnected, transport.State);
        Assert.True(client.Check(transport.IceUfrag, transport.IcePwd));
        Assert.Equal(MediaTransportState.Connected, transport.State);
        var plain = SfuTestClient.RtpPacket(77);
        var buffer = new byte[plain.Length + IRtpPacketSender.ProtectionHeadroom];
        plain.CopyTo(buffer, 0);
        Assert.True(transport.SendRtp(buffer, plain.Length));
        Assert.Equal(plain, client.ReceiveMedia(2000));
    }

    [Fact]
    public void Handshake_BeforeNomination_AnswersOnCheckedPathAndConnectsOnNomination()
    {
        using var harness = new TransportHarness();
        var receiver = new RecordingReceiver();
        var client = harness.NewClient();
        Assert.True(harness.Transports.TryCreate(client.Fingerprint, client.Ufrag, out var transport));
        transport.Receiver = receiver;
        Assert.True(client.Check(transport.IceUfrag, transport.IcePwd, useCandidate: false)); // valid, not nominated
        Assert.Null(transport.IceSession.Selected);
        client.Connect(DtlsFingerprint.Parse(transport.Fingerprint)); // DTLS answers go where DTLS came from
        TransportHarness.WaitFor(() => transport.State == MediaTransportState.Disconnected, "keys ready, nothing nominated");
        var buffer = new byte[400];
        SfuTestClient.RtpPacket(1).CopyTo(buffer, 0);
        Assert.False(transport.SendRtp(buffer, 212)); // nothing is sent before nomination
        var inbound = SfuTestClient.RtpPacket(2);
        client.SendMedia(inbound); // but what the client sends on a checked path is received
        TransportHarness.WaitFor(() => !receiver.Rtp.IsEmpty, "RTP before nomination");
        Assert.Equal(inbound, Assert.Single(receiver.Rtp));

        Assert.True(client.Check(transport.IceUfrag, transport.IcePwd, useCandidate: true));
        Assert.Equal(MediaTransportState.Connected, transport.State);
    }

    [Fact]
    public void ConsentLostBeforeHandshake_RenominatedThenHandshake_EndsConnected()
    {
        using var harness = new TransportHarness();
        var client = harness.NewClient();
        var states = new List<MediaTransportState>();
        Assert.True(harness.Transports.TryCreate(client.Fingerprint, client.Ufrag, out var transport));
        transport.StateChanged += (_, s) => { lock (states) states.Add(s); };
        Assert.True(client.Check(transport.IceUfrag, transport.IcePwd));
        Assert.Equal(MediaTransportState.Checking, transport.State);
        harness.Table.RemovePath(transport.IceSession.Selected!.Tuple);
        Assert.Equal(MediaTransportState.Disconnected, transport.State);
        Assert.True(client.Check(transport.IceUfrag, transport.IcePwd));
        Assert.Equal(MediaTransportState.Checking, transport.State);
        client.Connect(DtlsFingerprint.Parse(transport.Fingerprint));
        TransportHarness.WaitFor(() => transport.State == MediaTransportState.Connected, "connected after the earlier consent loss");
        lock (states) Assert.Equal([MediaTransportState.Checking, MediaTransportState.Disconnected, MediaTransportState.Checking, MediaTransportState.Connected], states);
    }

    internal static List<Confer.Transport.FiveTuple> PathsOf(TransportHarness harness, MediaTransport transport)
    {
        var selected = transport.IceSession.Selected;
        return selected is null ? [] : [selected.Tuple];
    }
}
