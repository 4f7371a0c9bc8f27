using Confer.Sfu.Sdp;

namespace Confer.Sfu.Tests.Sdp;

public sealed class PublisherAnswerBuilderTests
{
    private static (SessionDescription Answer, PublisherNegotiation Negotiation) Answer(string file, PublisherAnswerOptions? options = null) =>
        Answer(SdpTestData.Parse(CapturedSdp.Read(file)), options);

    private static (SessionDescription Answer, PublisherNegotiation Negotiation) Answer(SessionDescription offer, PublisherAnswerOptions? options = null)
    {
        Assert.True(PublisherAnswerBuilder.TryBuild(offer, SdpTestData.Server, options ?? SdpTestData.Answer, out var answer, out var negotiation, out var error), error.ToString());
        return (answer, negotiation);
    }

    [Fact]
    public void TryBuild_ChromiumSimulcastOffer_IceLitePassiveBundledAnswer()
    {
        var (answer, _) = Answer(CapturedSdp.SimulcastLmh);

        Assert.True(answer.IceLite);
        Assert.Equal("4242", answer.SessionId);
        Assert.Equal(["0", "1", "2"], answer.BundleMids);
        Assert.All(answer.Media, m =>
        {
            Assert.Equal((9, SdpSetup.Passive), (m.Port, m.Setup));
            Assert.Equal((SdpTestData.Server.IceUfrag, SdpTestData.Server.IcePwd), (m.IceUfrag, m.IcePwd));
            Assert.Equal(SdpTestData.Server.Fingerprint, Assert.Single(m.Fingerprints));
        });
        Assert.Equal(SdpTestData.Server.Candidates, answer.Media[0].Candidates);   // the BUNDLE tag carries them
        Assert.True(answer.Media[0].EndOfCandidates);
        Assert.Empty(answer.Media[1].Candidates);
        // Re-parsing the written answer gives the same answer.
        Assert.Equal(SdpWriter.Write(answer), SdpWriter.Write(SdpTestData.Parse(SdpWriter.Write(answer))));
    }

    [Fact]
    public void TryBuild_ChromiumAudio_OpusOnlyWithInbandFec()
    {
        var (answer, negotiation) = Answer(CapturedSdp.SimulcastLmh);

        var audio = answer.Media[0];
        Assert.Equal(SdpDirection.RecvOnly, audio.Direction);
        Assert.Equal(["111"], audio.Formats);
        var opus = Assert.Single(audio.Codecs);
        Assert.Equal("1", opus.FmtpParameter("useinbandfec"));
        Assert.Equal(["transport-cc"], opus.Feedback);
        Assert.True(audio.RtcpMux);
        Assert.Equal([SdpExtensionUris.AudioLevel, SdpExtensionUris.AbsSendTime, SdpExtensionUris.TransportWideCc, SdpExtensionUris.Mid], audio.ExtMaps.Select(e => e.Uri));
        var report = negotiation.Find("0")!;
        Assert.Equal(("audio", "opus", (int?)null), (report.Kind, Assert.Single(report.Codecs).Name, report.Codecs[0].RtxPayloadType));
        Assert.Equal(1, report.ExtensionId(SdpExtensionUris.AudioLevel));
        Assert.Single(report.Ssrcs);
    }

    [Fact]
    public void TryBuild_RedEnabled_RedBeforeOpus()
    {
        var (answer, negotiation) = Answer(CapturedSdp.SimulcastLmh, SdpTestData.Answer with { AcceptOpusRed = true });
        Assert.Equal(["63", "111"], answer.Media[0].Formats);
        Assert.Equal("111/111", answer.Media[0].FindCodec(63)!.Fmtp);
        Assert.Equal(["red", "opus"], negotiation.Find("0")!.Codecs.Select(c => c.Name));
    }

    [Fact]
    public void TryBuild_ChromiumVideo_Vp8AndH264WithRtxFilteredFeedbackAndExtensions()
    {
        var (answer, negotiation) = Answer(CapturedSdp.SimulcastLmh);

        var video = answer.Media[1];
        Assert.Equal(["96", "97", "108", "109"], video.Formats);   // VP8+RTX, then H.264 42e01f packetization-mode=1 + RTX
        Assert.Equal("packetization-mode=1", video.FindCodec(108)!.Fmtp!.Split(';').Single(p => p.StartsWith("packetization", StringComparison.Ordinal)));
        Assert.Equal("apt=108", video.FindCodec(109)!.Fmtp);
        Assert.Equal(["transport-cc", "ccm fir", "nack", "nack pli"], video.FindCodec(96)!.Feedback);
        Assert.Empty(video.FindCodec(97)!.Feedback);
        Assert.DoesNotContain(video.Codecs, c => c.Feedback.Contains("goog-remb"));
        Assert.Equal(
            [SdpExtensionUris.AbsSendTime, SdpExtensionUris.TransportWideCc, SdpExtensionUris.Mid, SdpExtensionUris.Rid, SdpExtensionUris.RepairedRid],
            video.ExtMaps.Select(e => e.Uri));

        var report = negotiation.Find("1")!;
        Assert.Equal([("VP8", (int?)97), ("H264", 109)], report.Codecs.Select(c => (c.Name, c.RtxPayloadType)));
        Assert.Equal(10, report.ExtensionId(SdpExtensionUris.Rid));
        Assert.Equal(11, report.ExtensionId(SdpExtensionUris.RepairedRid));
        Assert.Null(report.ExtensionId("urn:3gpp:video-orientation"));
        Assert.NotNull(report.StreamId);
        Assert.NotNull(report.TrackId);
    }

    [Fact]
    public void TryBuild_H264NotWanted_Vp8Only()
    {
        var (answer, _) = Answer(CapturedSdp.SimulcastLmh, SdpTestData.Answer with { VideoCodecs = ["VP8"] });
        Assert.Equal(["96", "97"], answer.Media[1].Formats);
    }

    [Theory]
    [InlineData(CapturedSdp.SimulcastLmh, "l;m;h")]
    [InlineData(CapturedSdp.SimulcastQhfScreen, "q;h;f")]
    public void TryBuild_SimulcastSend_AnsweredAsRecvWithRids(string file, string expected)
    {
        var (answer, negotiation) = Answer(file);
        var video = answer.Media[1];
        Assert.Equal("recv " + expected, SdpWriter.SimulcastValue(video.Simulcast!));
        Assert.Equal(expected.Split(';'), video.Rids.Select(r => r.Id));
        Assert.All(video.Rids, r => Assert.Equal("recv", r.Direction));
        Assert.Equal(expected.Split(';'), negotiation.Find("1")!.Rids);
        Assert.Empty(negotiation.Find("0")!.Rids);
    }

    [Fact]
    public void TryBuild_ScreenShareOffer_SecondVideoWithoutSimulcast()
    {
        var (answer, negotiation) = Answer(CapturedSdp.SimulcastQhfScreen);
        Assert.Equal(["audio", "video", "video", "application"], answer.Media.Select(m => m.Kind));
        Assert.Null(answer.Media[2].Simulcast);
        Assert.Equal(["0", "1", "2", "3"], negotiation.Media.Select(m => m.Mid));
        Assert.Equal(["0", "1", "2", "3"], answer.BundleMids);
    }

    [Fact]
    public void TryBuild_DataChannel_SctpPortAndMaxMessageSize()
    {
        var (answer, negotiation) = Answer(CapturedSdp.SimulcastLmh);
        var data = answer.Media[2];
        Assert.Equal(("application", "UDP/DTLS/SCTP", 5000, 262144L), (data.Kind, data.Proto, data.SctpPort, data.MaxMessageSize));
        Assert.Equal(["webrtc-datachannel"], data.Formats);
        Assert.Equal(SdpDirection.None, data.Direction);
        Assert.Equal(5000, negotiation.Find("2")!.SctpPort);
    }

    [Fact]
    public void TryBuild_SingleLayer_ReportsSsrcsWithRtx()
    {
        var offer = SdpTestData.Parse(CapturedSdp.Read(CapturedSdp.SingleLayer));
        var fid = offer.Media[1].SsrcGroups.Single(g => g.Semantics == "FID");
        var (_, negotiation) = Answer(offer);
        var ssrc = Assert.Single(negotiation.Find("1")!.Ssrcs);
        Assert.Equal(new NegotiatedSsrc(fid.Ssrcs[0], fid.Ssrcs[1]), ssrc);
        Assert.Empty(negotiation.Find("1")!.Rids);
    }

    [Fact]
    public void TryBuild_UnknownAndUnacceptableSections_RejectedWithPortZero()
    {
        string sdp = CapturedSdp.Read(CapturedSdp.SimulcastLmh)
            .Replace("a=group:BUNDLE 0 1 2", "a=group:BUNDLE 0 1 2 3 4 5", StringComparison.Ordinal)
            + "m=text 9 UDP/TLS/RTP/SAVPF 98\r\nc=IN IP4 0.0.0.0\r\na=mid:3\r\na=rtpmap:98 t140/1000\r\n"
            + "m=video 9 UDP/TLS/RTP/SAVPF 45\r\nc=IN IP4 0.0.0.0\r\na=mid:4\r\na=rtpmap:45 AV1/90000\r\n"
            + "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:5\r\na=rtpmap:111 opus/48000/2\r\n"
            + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:6\r\na=rtpmap:111 opus/48000/2\r\n";   // not bundled
        var (answer, negotiation) = Answer(SdpTestData.Parse(sdp));

        Assert.Equal(7, answer.Media.Count);
        foreach (int i in new[] { 3, 4, 5, 6 })
        {
            Assert.Equal(0, answer.Media[i].Port);
            Assert.Empty(answer.Media[i].Candidates);
            Assert.Null(answer.Media[i].IceUfrag);
        }
        Assert.Equal(["98"], answer.Media[3].Formats);
        Assert.Equal(["3", "4", "5", "6"], negotiation.RejectedMids);
        Assert.Equal(["0", "1", "2"], answer.BundleMids);
    }

    [Fact]
    public void TryBuild_LargestHostileOffer_BoundedTime()
    {
        // Fill the limits: thousands of ssrc, FID, rid lines and a long simulcast list in one section.
        var text = new System.Text.StringBuilder("v=0\r\na=group:BUNDLE 0 0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:0\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n");
        text.Append("a=simulcast:send ").AppendJoin(';', Enumerable.Range(0, 800).Select(i => "r" + i)).Append("\r\n");
        for (int i = 0; i < 2500; i++) text.Append("a=rid:r").Append(i % 900).Append(" send\r\n");
        for (int i = 0; i < 2500; i++) text.Append("a=ssrc-group:FID ").Append(i).Append(' ').Append(i + 1).Append("\r\n");
        for (int i = 0; i < SdpLimits.Default.MaxLines - 5100 && text.Length < SdpLimits.Default.MaxBytes - 64; i++) text.Append("a=ssrc:").Append(i).Append(" cname:x\r\n");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var offer = SdpTestData.Parse(text.ToString());
        var (answer, negotiation) = Answer(offer);
        clock.Stop();

        Assert.Equal(["0"], answer.BundleMids);
        Assert.InRange(negotiation.Media[0].Ssrcs.Count, 1000, 5000);
        Assert.Equal(800, negotiation.Media[0].Rids.Count);
        Assert.InRange(clock.ElapsedMilliseconds, 0, 2_000);   // shared CPU: generous; quadratic work took far longer
    }

    [Fact]
    public void TryBuild_BundleOnlySection_AcceptedDespitePortZero()
    {
        string sdp = CapturedSdp.Read(CapturedSdp.SimulcastLmh);
        int video = sdp.IndexOf("m=video 9 ", StringComparison.Ordinal);
        sdp = sdp[..video] + "m=video 0 " + sdp[(video + "m=video 9 ".Length)..].Replace("a=mid:1\r\n", "a=mid:1\r\na=bundle-only\r\n", StringComparison.Ordinal);
        var (answer, negotiation) = Answer(SdpTestData.Parse(sdp));
        Assert.Equal(9, answer.Media[1].Port);   // RFC 8843 §7.3.1: the answerer gives it a port like any accepted section
        Assert.Equal(["0", "1", "2"], negotiation.Media.Select(m => m.Mid));
    }

    [Fact]
    public void TryBuild_RedOverAnotherPayloadType_NotAccepted()
    {
        string sdp = CapturedSdp.Read(CapturedSdp.SimulcastLmh).Replace("a=fmtp:63 111/111", "a=fmtp:63 9/9", StringComparison.Ordinal);
        var (answer, _) = Answer(SdpTestData.Parse(sdp), SdpTestData.Answer with { AcceptOpusRed = true });
        Assert.Equal(["111"], answer.Media[0].Formats);
    }

    [Fact]
    public void TryBuild_RecvOnlyOffer_AnsweredInactive()
    {
        string sdp = CapturedSdp.Read(CapturedSdp.SingleLayer).Replace("a=sendonly", "a=recvonly", StringComparison.Ordinal);
        var (answer, negotiation) = Answer(SdpTestData.Parse(sdp));
        Assert.All(answer.Media, m => Assert.Equal(SdpDirection.Inactive, m.Direction));
        Assert.All(negotiation.Media, m => Assert.Equal(SdpDirection.Inactive, m.Direction));
    }

    [Theory]
    [InlineData("v=0\r\ns=-\r\n")]
    [InlineData("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\n")]
    [InlineData("v=0\r\na=group:BUNDLE 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n")]
    public void TryBuild_NoMediaNoBundleOrDuplicateMid_NotAnOffer(string sdp)
    {
        Assert.False(PublisherAnswerBuilder.TryBuild(SdpTestData.Parse(sdp), SdpTestData.Server, SdpTestData.Answer, out _, out _, out var error));
        Assert.Equal(SdpErrorKind.NotAnOffer, error.Kind);
    }
}
