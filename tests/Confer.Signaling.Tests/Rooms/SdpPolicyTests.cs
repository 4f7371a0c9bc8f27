using Confer.Signaling.Rooms;

namespace Confer.Signaling.Tests.Rooms;

/// <summary>
/// <see cref="SdpPolicy"/> on descriptions Chromium made (Rooms/Sdp, stream ids replaced by track sids
/// as the SDK does) and on hand-made ones that a modified client could send.
/// </summary>
public sealed class SdpPolicyTests
{
    private const string Mic = "TR_micAAAAAAAAA", Cam = "TR_camBBBBBBBBB", BobCam = "TR_bobCCCCCCCCC";

    private static readonly SdpRights All = new(MaySend: true, MayReceive: true);
    private static readonly SdpRights NoPublish = new(MaySend: false, MayReceive: true);
    private static readonly SdpRights NoSubscribe = new(MaySend: true, MayReceive: false);

    private sealed class Tracks(params (string Sid, bool Video)[] tracks) : ISendableTracks
    {
        public bool MaySend(ReadOnlySpan<char> trackSid, bool video)
        {
            foreach (var (sid, v) in tracks)
                if (v == video && trackSid.SequenceEqual(sid)) return true;
            return false;
        }
    }

    private static readonly Tracks MicAndCam = new((Mic, false), (Cam, true));
    private static readonly Tracks None = new();

    internal static string Sample(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Rooms", "Sdp", $"chromium-{name}.sdp"));

    private static SdpVerdict Check(string sdp, SdpRights rights, ISendableTracks? tracks = null) => SdpPolicy.Check(sdp, rights, tracks ?? None);

    public static TheoryData<string, bool, bool, string, string, int> Chromium => new()
    {
        // sample, maySend, mayReceive, tracks (m: mic, c: cam, b: Bob's camera), fault, section
        { "offer-sendonly", true, true, "mc", nameof(SdpFault.None), -1 },
        { "offer-sendonly", true, false, "mc", nameof(SdpFault.None), -1 },
        { "offer-sendonly", false, true, "mc", nameof(SdpFault.SendsWithoutCanPublish), 0 },
        { "offer-sendonly", true, true, "m", nameof(SdpFault.SendsUnknownTrack), 1 },
        { "offer-sendonly", true, true, "", nameof(SdpFault.SendsUnknownTrack), 0 },
        { "answer-recvonly", false, true, "", nameof(SdpFault.None), -1 },
        { "answer-recvonly", true, false, "", nameof(SdpFault.ReceivesWithoutCanSubscribe), 0 },
        { "answer-inactive", true, false, "mc", nameof(SdpFault.None), -1 },
        { "answer-inactive", false, false, "mc", nameof(SdpFault.SendsWithoutCanPublish), 0 },
        { "reoffer-sendrecv", true, true, "b", nameof(SdpFault.None), -1 },
        { "reoffer-sendrecv", false, true, "b", nameof(SdpFault.SendsWithoutCanPublish), 3 },
        { "reoffer-sendrecv", true, false, "b", nameof(SdpFault.ReceivesWithoutCanSubscribe), 0 },
        { "offer-stopped", false, true, "", nameof(SdpFault.None), -1 },
        { "offer-stopped", false, false, "", nameof(SdpFault.ReceivesWithoutCanSubscribe), 0 },
        { "offer-data-only", false, false, "", nameof(SdpFault.None), -1 },
    };

    [Theory, MemberData(nameof(Chromium))]
    public void Check_ChromiumSamples_JudgedByGrantAndTracks(string sample, bool maySend, bool mayReceive, string tracks, string faultName, int section)
    {
        var fault = Enum.Parse<SdpFault>(faultName);
        var ledger = new Tracks([.. tracks.Select(t => t switch { 'm' => (Mic, false), 'c' => (Cam, true), _ => (BobCam, true) })]);
        var sdp = Sample(sample);

        var verdict = Check(sdp, new SdpRights(maySend, mayReceive), ledger);

        Assert.Equal(fault, verdict.Fault);
        if (fault != SdpFault.None) Assert.Equal(section, verdict.Section);
        // Line endings do not change the reading.
        Assert.Equal(verdict, Check(sdp.Replace("\r\n", "\n"), new SdpRights(maySend, mayReceive), ledger));
    }

    [Fact]
    public void Check_KindsSwapped_VideoSentAsTheMicrophoneIsRefused()
    {
        var swapped = new Tracks((Mic, true), (Cam, false));
        var verdict = Check(Sample("offer-sendonly"), All, swapped);
        Assert.Equal(SdpFault.SendsUnknownTrack, verdict.Fault);
        Assert.Equal(SdpMedia.Audio, verdict.Media);
        // A microphone-only participant whose video section claims its microphone track.
        var sdp = Sample("offer-sendonly").Replace(Cam, Mic);
        verdict = Check(sdp, All, new Tracks((Mic, false)));
        Assert.Equal((SdpFault.SendsUnknownTrack, 1, SdpMedia.Video), (verdict.Fault, verdict.Section, verdict.Media));
    }

    [Fact]
    public void Check_PortZero_SkippedUnlessBundleOnly()
    {
        // The stopped section (m=video 0) made to say sendrecv: rejected sections carry no media.
        var sdp = Sample("offer-stopped");
        var cut = sdp.IndexOf("m=video 0 ", StringComparison.Ordinal);
        var stopped = sdp[..cut] + sdp[cut..].Replace("a=inactive", "a=sendrecv");
        Assert.True(Check(stopped, NoPublish).Allowed);

        var bundleOnly = stopped[..cut] + stopped[cut..].Replace("a=sendrecv", "a=sendrecv\r\na=bundle-only");
        var verdict = Check(bundleOnly, NoPublish);
        Assert.Equal((SdpFault.SendsWithoutCanPublish, 3), (verdict.Fault, verdict.Section));
    }

    private const string Head = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

    private static string Video(params string[] attributes) =>
        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n" + string.Concat(attributes.Select(a => a + "\r\n"));

    [Theory]
    [InlineData("a=recvonly", new string[0])]                       // session-level recvonly does not narrow
    [InlineData("a=sendonly", new[] { "a=recvonly" })]            // a session-level direction widens
    [InlineData("", new[] { "a=recvonly", "a=SENDRECV" })]        // every direction counts, any case
    [InlineData("", new[] { "a=recvonly", "a=sendonly:x" })]      // with a suffix
    [InlineData("", new[] { "a=recvonly", "a=sendrecv extra" })]
    [InlineData("", new[] { "a= recvonly" })]                     // not an exact direction line: sendrecv
    [InlineData("", new[] { "a=recvonly " })]
    [InlineData("", new string[0])]                                // no direction at all: sendrecv
    public void Check_DirectionsReadAsStrictlyAsAnyParserMight_SendingRefusedWithoutCanPublish(string session, string[] media)
    {
        var sdp = Head + (session.Length > 0 ? session + "\r\n" : "") + Video(media);
        Assert.Equal(SdpFault.SendsWithoutCanPublish, Check(sdp, NoPublish).Fault);
    }

    [Theory]
    [InlineData("a=recvonly")]
    [InlineData("a=inactive")]
    public void Check_ExactNarrowDirection_AllowedWithoutCanPublish(string direction) =>
        Assert.True(Check(Head + Video(direction), NoPublish).Allowed);

    [Fact]
    public void Check_SendingSections_MustEachNameADifferentPublishedTrack()
    {
        Assert.Equal(SdpFault.SendsNoTrack, Check(Head + Video("a=sendonly"), All, MicAndCam).Fault);
        Assert.True(Check(Head + Video("a=sendonly", $"a=msid:{Cam} t1"), All, MicAndCam).Allowed);
        Assert.Equal(SdpFault.SendsUnknownTrack, Check(Head + Video("a=sendonly", $"a=msid:{Cam} t1", "a=msid:TR_other t2"), All, MicAndCam).Fault);
        Assert.Equal(SdpFault.SendsUnknownTrack, Check(Head + Video("a=sendonly", $"a=msid:{Cam} t1", "a=ssrc:1 msid:TR_other t1"), All, MicAndCam).Fault);
        Assert.Equal(SdpFault.SendsUnknownTrack, Check(Head + Video("a=sendonly", "a=msid:- t1"), All, MicAndCam).Fault);
        var twice = Check(Head + Video("a=sendonly", $"a=msid:{Cam} t1") + Video("a=sendonly", $"a=msid:{Cam} t2"), All, MicAndCam);
        Assert.Equal((SdpFault.SendsTrackTwice, 1), (twice.Fault, twice.Section));
    }

    [Theory]
    [InlineData("m=application 9 UDP/TLS/RTP/SAVPF 96", false)]  // RTP in an application section
    [InlineData("m=text 9 UDP/TLS/RTP/SAVPF 96", false)]
    [InlineData("m=Video 9 UDP/TLS/RTP/SAVPF 96", false)]
    [InlineData("m=message 0 TCP/MSRP *", true)]                  // rejected: nothing flows
    [InlineData("m=application 9 UDP/DTLS/SCTP webrtc-datachannel", true)]
    [InlineData("m=application 9 DTLS/SCTP 5000", true)]
    public void Check_OtherMedia_OnlyDataChannelsOrRejectedSections(string mLine, bool allowed)
    {
        var verdict = Check(Head + mLine + "\r\na=sendrecv\r\n", new SdpRights(false, false));
        Assert.Equal(allowed, verdict.Allowed);
        if (!allowed) Assert.Equal(SdpFault.UnsupportedMedia, verdict.Fault);
    }

    [Fact]
    public void Check_NotAnSdp_NothingToRefuse() => Assert.True(Check("v=0 offer", new SdpRights(false, false)).Allowed);

    [Fact]
    public void Check_TruncatedAndMangled_NeverThrows()
    {
        var rng = new Random(13);
        foreach (var name in new[] { "offer-sendonly", "reoffer-sendrecv", "offer-stopped" })
        {
            var sdp = Sample(name);
            for (var cut = 0; cut <= sdp.Length; cut += 3) Check(sdp[..cut], All, MicAndCam);
            for (var i = 0; i < 2000; i++)
            {
                var chars = sdp.ToCharArray();
                for (var k = 0; k < 8; k++) chars[rng.Next(chars.Length)] = "\r\n =:/0am"[rng.Next(9)];
                Check(new string(chars), NoPublish, MicAndCam);
            }
        }
    }

    [Fact]
    public void Check_LargeDescription_AllocatesNothing()
    {
        var sdp = Sample("reoffer-sendrecv");
        var tracks = new Tracks((BobCam, true));
        Check(sdp, All, tracks);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++) Check(sdp, All, tracks);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
