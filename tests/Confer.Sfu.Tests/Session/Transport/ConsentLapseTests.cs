using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Confer.Sfu.Dtls;
using Confer.Sfu.Session;
using Confer.Sfu.Tests.Sdp;
using Confer.Sfu.Tests.Session.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Sfu.Tests.Session.Transport;

/// <summary>
/// Consent freshness cleans up (RFC 7675): a client connected through ICE, DTLS and SRTP goes silent; once its consent
/// expired (the ICE table's clock is a FakeTimeProvider, swept by hand) and no new nomination came within
/// <see cref="SfuTransportOptions.ConsentLapse"/> (shortened), its transport closes, its ICE session, DTLS and SRTP
/// contexts go, and through <see cref="SfuService"/> its producers and consumers (and the others' consumers of its
/// tracks) go and <see cref="SfuService.MediaLapsed"/> tells the room. A client that keeps checking is never dropped. A
/// transport nobody ever nominates a path on closes after <see cref="SfuTransportOptions.ConnectTimeout"/> the same way.
/// </summary>
public sealed partial class ConsentLapseTests
{
    private static readonly TimeSpan Lapse = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(10); // under IceOptions.ConsentTimeout (30 s)

    [Fact]
    public void SilentClient_TransportClosesAfterLapse_CheckingClientStays()
    {
        var clock = new FakeTimeProvider();
        using var harness = new TransportHarness(new SfuTransportOptions { ConsentLapse = Lapse }, iceTime: clock);
        var (silent, _) = harness.Connect();
        var (live, liveClient) = harness.Connect();
        var session = silent.IceSession;
        int lapses = 0;
        silent.Lapsed += _ => Interlocked.Increment(ref lapses);
        live.Lapsed += _ => Assert.Fail("a client that keeps checking lapsed");

        for (int i = 0; i < 4; i++) // 40 s: the silent client's consent expires at 30 s, the live one's never
        {
            clock.Advance(Step);
            Assert.True(liveClient.Check(live.IceUfrag, live.IcePwd));
            harness.Table.Sweep();
        }
        TransportHarness.WaitFor(() => silent.State == MediaTransportState.Closed, "the silent client's transport closes");
        Assert.True(silent.HasLapsed);
        TransportHarness.WaitFor(() => Volatile.Read(ref lapses) == 1, "Lapsed raised");
        Assert.True(session.IsRemoved);
        Assert.Null(session.Tag);
        Assert.False(silent.IsDtlsThreadAlive);
        Assert.False(silent.CanSend);
        Assert.Equal(1, harness.Transports.Count);
        Assert.Equal(1, harness.Table.Count);
        Assert.Equal(1, harness.Table.PathCount);

        Thread.Sleep(Lapse * 2); // the live client keeps its transport well past the lapse delay
        Assert.Equal(MediaTransportState.Connected, live.State);
        Assert.False(live.HasLapsed);
        AssertDownstream(live, liveClient, 1);
        Assert.Equal(1, Volatile.Read(ref lapses));
        Assert.Equal(0, harness.Server.HandlerExceptions);
    }

    [Fact]
    public void ConsentLost_RenominatedWithinLapse_TransportStays()
    {
        var clock = new FakeTimeProvider();
        using var harness = new TransportHarness(new SfuTransportOptions { ConsentLapse = Lapse * 2 }, iceTime: clock);
        var (transport, client) = harness.Connect();
        transport.Lapsed += _ => Assert.Fail("a transport nominated again lapsed");
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, harness.Table.Sweep());
        Assert.Equal(MediaTransportState.Disconnected, transport.State);
        Assert.True(client.Check(transport.IceUfrag, transport.IcePwd)); // the browser came back in time
        Assert.Equal(MediaTransportState.Connected, transport.State);
        Thread.Sleep(Lapse * 4);
        Assert.Equal(MediaTransportState.Connected, transport.State);
        Assert.False(transport.HasLapsed);
        AssertDownstream(transport, client, 2);
    }

    [Fact]
    public void SfuService_SilentParticipantLapses_ItsMediaIsReleasedAndTheRoomIsTold()
    {
        var clock = new FakeTimeProvider();
        using var harness = new TransportHarness(new SfuTransportOptions { ConsentLapse = Lapse }, iceTime: clock);
        using var sfu = new SfuService(harness.Transports, new SfuServiceOptions(), TimeProvider.System, NullLoggerFactory.Instance);
        var told = new ConcurrentQueue<(string Room, string Participant)>();
        sfu.MediaLapsed += (room, participant) => told.Enqueue((room, participant));
        var silentClient = harness.NewClient();
        var liveClient = harness.NewClient();
        const string silentTrack = "b6d2acc8-0159-4a39-bd7a-e26113d1c52a"; // the capture's msid stream id
        const string liveTrack = "5e1f0a77-3c2b-4d8e-9a61-0c7b2f4e8d19";
        SfuTrack[] tracks = [new(silentTrack, "PA_silent", "audio", "microphone"), new(liveTrack, "PA_live", "audio", "microphone")];

        var silentAnswer = sfu.Publish("room", "PA_silent", OfferFor(silentClient, silentTrack, liveTrack: null), tracks);
        var liveAnswer = sfu.Publish("room", "PA_live", OfferFor(liveClient, silentTrack, liveTrack), tracks);
        Assert.Null(silentAnswer.Error);
        Assert.Null(liveAnswer.Error);
        Assert.NotNull(sfu.Subscribe("room", "PA_silent", tracks));
        Assert.NotNull(sfu.Subscribe("room", "PA_live", tracks));
        Assert.Equal((2, 2, 2, 2), sfu.RouterCounts("room")); // publishers, subscribers, producers, consumers
        Assert.Equal(4, sfu.TransportCount);
        var silent = ConnectPublisher(harness, silentClient, silentAnswer.Sdp!);
        var live = ConnectPublisher(harness, liveClient, liveAnswer.Sdp!);

        for (int i = 0; i < 4; i++)
        {
            clock.Advance(Step);
            Assert.True(liveClient.Check(live.IceUfrag, live.IcePwd));
            harness.Table.Sweep();
        }
        TransportHarness.WaitFor(() => told.Count == 1, "the room is told the silent participant's media lapsed");
        Assert.Equal(("room", "PA_silent"), Assert.Single(told));
        Assert.Equal(MediaTransportState.Closed, silent.State);
        Assert.Equal((1, 1, 1, 0), sfu.RouterCounts("room")); // its producer, its consumer and the live one's consumer of it: gone
        Assert.Equal(2, sfu.TransportCount); // the live participant's publisher and subscriber
        Assert.Equal(2, harness.Table.Count);
        Assert.Equal(MediaTransportState.Connected, live.State);
        var reoffer = sfu.Subscribe("room", "PA_live", tracks); // the room's next sync: the lapsed track is no longer offered
        Assert.NotNull(reoffer);
        Assert.DoesNotContain(reoffer.Tracks, t => t.TrackSid == silentTrack);

        // The last one goes silent too: the SFU holds nothing any more.
        for (int i = 0; i < 4; i++)
        {
            clock.Advance(Step);
            harness.Table.Sweep();
        }
        TransportHarness.WaitFor(() => told.Count == 2, "the room is told the second lapse");
        TransportHarness.WaitFor(() => sfu.RoomCount == 0, "the empty room goes");
        Assert.Equal(0, sfu.TransportCount);
        Assert.Equal(0, harness.Transports.Count);
        Assert.Equal(0, harness.Table.Count);
        Assert.Equal(0, harness.Table.PathCount);
        Assert.Equal(default, sfu.RouterCounts("room"));
        Assert.False(silent.IsDtlsThreadAlive);
        Assert.False(live.IsDtlsThreadAlive);
        Assert.Equal(0, harness.Server.HandlerExceptions);
    }

    [Fact]
    public void NeverNominated_ClosesAfterConnectTimeout_ANominatedOneStays()
    {
        using var harness = new TransportHarness(new SfuTransportOptions { ConnectTimeout = Lapse });
        Assert.True(harness.Transports.TryCreate(null, null, out var idle));
        var client = harness.NewClient();
        Assert.True(harness.Transports.TryCreate(client.Fingerprint, client.Ufrag, out var checkedOnly));
        Assert.True(client.Check(checkedOnly.IceUfrag, checkedOnly.IcePwd, useCandidate: false)); // a valid path, never nominated
        var (connected, connectedClient) = harness.Connect();
        int lapses = 0;
        foreach (var t in new[] { idle, checkedOnly }) t.Lapsed += _ => Interlocked.Increment(ref lapses);
        connected.Lapsed += _ => Assert.Fail("a nominated transport lapsed");

        TransportHarness.WaitFor(() => Volatile.Read(ref lapses) == 2, "both unnominated transports lapse");
        Assert.All(new[] { idle, checkedOnly }, t => Assert.True(t.HasLapsed && t.State == MediaTransportState.Closed && t.IceSession.IsRemoved));
        Assert.Equal(1, harness.Transports.Count);
        Assert.Equal(1, harness.Table.Count);
        Thread.Sleep(Lapse * 2);
        Assert.Equal(MediaTransportState.Connected, connected.State);
        AssertDownstream(connected, connectedClient, 3);
    }

    [Fact]
    public void SfuService_PublisherNeverConnects_ReleasedAfterConnectTimeout()
    {
        using var harness = new TransportHarness(new SfuTransportOptions { ConnectTimeout = Lapse });
        using var sfu = new SfuService(harness.Transports, new SfuServiceOptions(), TimeProvider.System, NullLoggerFactory.Instance);
        var told = new ConcurrentQueue<(string Room, string Participant)>();
        sfu.MediaLapsed += (room, participant) => told.Enqueue((room, participant));
        var encoder = harness.NewClient(); // posts its offer (WHIP) and never sends a check
        const string track = "b6d2acc8-0159-4a39-bd7a-e26113d1c52a";
        Assert.Null(sfu.Publish("studio", "PA_obs", OfferFor(encoder, track, liveTrack: null), [new(track, "PA_obs", "audio", "microphone")]).Error);
        Assert.Equal((1, 0, 1, 0), sfu.RouterCounts("studio"));

        TransportHarness.WaitFor(() => told.Count == 1, "the room is told the encoder's media lapsed");
        Assert.Equal(("studio", "PA_obs"), Assert.Single(told));
        Assert.Equal(0, sfu.RoomCount);
        Assert.Equal(0, sfu.TransportCount);
        Assert.Equal(0, harness.Table.Count);
    }

    /// <summary>The captured Chromium offer, as this client would send it: its ufrag, its fingerprint, its track's stream id.</summary>
    private static string OfferFor(SfuTestClient client, string captureTrack, string? liveTrack)
    {
        var sdp = CapturedSdp.Read(CapturedSdp.SingleLayer)
            .Replace("a=ice-ufrag:P9u9", $"a=ice-ufrag:{client.Ufrag}", StringComparison.Ordinal);
        sdp = FingerprintLine().Replace(sdp, $"a=fingerprint:{client.Fingerprint}");
        return liveTrack is null ? sdp : sdp.Replace(captureTrack, liveTrack, StringComparison.Ordinal);
    }

    /// <summary>Checks and DTLS-connects the client to the publisher transport its answer names.</summary>
    private static MediaTransport ConnectPublisher(TransportHarness harness, SfuTestClient client, string answer)
    {
        string ufrag = Attribute(answer, "ice-ufrag"), pwd = Attribute(answer, "ice-pwd");
        Assert.True(harness.Table.TryGet(ufrag, out var session));
        var transport = Assert.IsType<MediaTransport>(session.Tag);
        Assert.True(client.Check(ufrag, pwd));
        client.Connect(DtlsFingerprint.Parse(Attribute(answer, "fingerprint")));
        TransportHarness.WaitFor(() => transport.State == MediaTransportState.Connected, "publisher transport connected");
        return transport;
    }

    private static void AssertDownstream(MediaTransport transport, SfuTestClient client, int n)
    {
        var plain = SfuTestClient.RtpPacket((ushort)(300 + n), ssrc: 0x5151_0000);
        var buffer = new byte[plain.Length + IRtpPacketSender.ProtectionHeadroom];
        plain.CopyTo(buffer, 0);
        Assert.True(transport.SendRtp(buffer, plain.Length));
        Assert.Equal(plain, client.ReceiveMedia(3000));
    }

    private static string Attribute(string sdp, string name) =>
        Regex.Match(sdp, $@"a={Regex.Escape(name)}:([^\r\n]+)").Groups[1].Value;

    [GeneratedRegex(@"a=fingerprint:[^\r\n]+")]
    private static partial Regex FingerprintLine();
}
