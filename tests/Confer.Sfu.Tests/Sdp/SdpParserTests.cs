using System.Text;
using Confer.Sfu.Sdp;

namespace Confer.Sfu.Tests.Sdp;

public sealed class SdpParserTests
{
    [Fact]
    public void TryParse_ChromiumSimulcastOffer_ReadsEveryPart()
    {
        var offer = SdpTestData.Parse(CapturedSdp.Read(CapturedSdp.SimulcastLmh));

        Assert.Equal(["0", "1", "2"], offer.BundleMids);
        Assert.True(offer.ExtmapAllowMixed);
        Assert.False(offer.IceLite);
        Assert.Equal(3, offer.Media.Count);

        var audio = offer.Media[0];
        Assert.Equal(("audio", 9, "UDP/TLS/RTP/SAVPF", "0"), (audio.Kind, audio.Port, audio.Proto, audio.Mid));
        Assert.Equal(SdpDirection.SendOnly, audio.Direction);
        Assert.Equal(SdpSetup.ActPass, audio.Setup);
        Assert.NotNull(audio.IceUfrag);
        Assert.NotNull(audio.IcePwd);
        Assert.Equal("sha-256", Assert.Single(audio.Fingerprints).Algorithm);
        Assert.True(audio.RtcpMux);
        Assert.True(audio.RtcpRsize);
        var opus = audio.FindCodec(111)!;
        Assert.Equal(("opus", 48000, 2), (opus.Name, opus.ClockRate, opus.Channels));
        Assert.Equal("1", opus.FmtpParameter("useinbandfec"));
        Assert.Equal(["transport-cc"], opus.Feedback);
        Assert.Equal(audio.Formats.Count, audio.Codecs.Count);
        Assert.Contains(audio.ExtMaps, e => e.Uri == SdpExtensionUris.AudioLevel && e.Id == 1);
        Assert.NotNull(Assert.Single(audio.Msids).TrackId);
        Assert.Contains(audio.OtherLines, l => l.Value.StartsWith("rtcp-xr:", StringComparison.Ordinal));

        var video = offer.Media[1];
        Assert.Equal("video", video.Kind);
        Assert.Equal(["l", "m", "h"], video.Rids.Select(r => r.Id));
        Assert.All(video.Rids, r => Assert.True(r.IsSend));
        Assert.NotNull(video.Simulcast);
        Assert.Equal(["l", "m", "h"], video.Simulcast!.Send.Select(s => Assert.Single(s).Rid));
        Assert.Empty(video.Simulcast.Recv);
        Assert.Equal("96", video.FindRtxFor(96)!.FmtpParameter("apt"));
        Assert.Contains("goog-remb", video.FindCodec(96)!.Feedback);
        Assert.Contains(video.ExtMaps, e => e.Uri == SdpExtensionUris.Rid);

        var data = offer.Media[2];
        Assert.Equal(("application", "UDP/DTLS/SCTP", "2"), (data.Kind, data.Proto, data.Mid));
        Assert.Equal(["webrtc-datachannel"], data.Formats);
        Assert.Equal(5000, data.SctpPort);
        Assert.Equal(262144, data.MaxMessageSize);
    }

    [Fact]
    public void TryParse_ChromiumSingleLayerOffer_ReadsSsrcsAndFidGroup()
    {
        var video = SdpTestData.Parse(CapturedSdp.Read(CapturedSdp.SingleLayer)).Media[1];

        var fid = Assert.Single(video.SsrcGroups);
        Assert.Equal("FID", fid.Semantics);
        Assert.Equal(2, fid.Ssrcs.Count);
        Assert.Contains(video.Ssrcs, s => s.Ssrc == fid.Ssrcs[0] && s.Attribute == "cname");
        Assert.Contains(video.Ssrcs, s => s.Ssrc == fid.Ssrcs[1] && s.Attribute == "msid");
        Assert.Empty(video.Rids);
        Assert.Null(video.Simulcast);
    }

    [Fact]
    public void TryParse_HandWrittenWithBareLineFeeds_ReadsLeniently()
    {
        const string sdp = "v=0\no=alice 77 5 IN IP4 10.0.0.1\ns=talk\nt=0 0\nx=unknown session line\na=ice-lite\n" +
            "a=fingerprint:SHA-256 ab:cd\nm=video 9/2 RTP/AVPF 96 120\nc=IN IP4 0.0.0.0\nb=AS:500\na=mid:v\n" +
            "a=rtpmap:96 VP8/90000\na=rtpmap:not-a-pt VP8/90000\na=rtcp-fb:* nack\na=extmap:5/sendonly urn:x attr1 attr2\n" +
            "a=rid:a send max-width=640\na=rid:bad! send\na=simulcast:recv a,~b;c send d\na=ssrc-group:FID 1 2\n" +
            "a=ssrc:1 cname:x\nnot a line\na=weird\n\n";

        var description = SdpTestData.Parse(sdp);

        Assert.Equal(("alice", "77", 5ul, "IN IP4 10.0.0.1", "talk"), (description.OriginUsername, description.SessionId, description.SessionVersion, description.OriginAddress, description.SessionName));
        Assert.True(description.IceLite);
        Assert.Equal(new SdpFingerprint("sha-256", "AB:CD"), Assert.Single(description.Fingerprints));
        Assert.Equal(new SdpLine('x', "unknown session line"), Assert.Single(description.OtherLines));
        var media = Assert.Single(description.Media);
        Assert.Equal((9, 2, "RTP/AVPF"), (media.Port, media.PortCount, media.Proto));
        Assert.Equal(["AS:500"], media.Bandwidths);
        Assert.Equal(["nack"], media.WildcardFeedback);
        Assert.Equal(new SdpExtMap(5, "urn:x", "sendonly", "attr1 attr2"), Assert.Single(media.ExtMaps));
        Assert.Equal(new SdpRid("a", "send", "max-width=640"), Assert.Single(media.Rids));
        Assert.Equal(["a", "b"], media.Simulcast!.Recv[0].Select(r => r.Rid));
        Assert.True(media.Simulcast.Recv[0][1].Paused);
        Assert.Equal("c", media.Simulcast.Recv[1][0].Rid);
        Assert.Equal("d", media.Simulcast.Send[0][0].Rid);
        Assert.Equal([1u, 2u], Assert.Single(media.SsrcGroups).Ssrcs);
        Assert.Equal(2, media.Codecs.Count);   // 96 and 120 from the m= line; the bad rtpmap is kept as a line
        Assert.False(media.FindCodec(120)!.HasRtpMap);
        Assert.Contains(new SdpLine('a', "rtpmap:not-a-pt VP8/90000"), media.OtherLines);
        Assert.Contains(new SdpLine('a', "rid:bad! send"), media.OtherLines);
        Assert.Contains(new SdpLine('a', "weird"), media.OtherLines);
    }

    [Theory]
    [InlineData("", nameof(SdpErrorKind.Empty))]
    [InlineData("\r\n \r\n", nameof(SdpErrorKind.Empty))]
    [InlineData("o=- 1 1 IN IP4 0.0.0.0\r\n", nameof(SdpErrorKind.MissingVersion))]
    [InlineData("v=1\r\n", nameof(SdpErrorKind.MissingVersion))]
    [InlineData("v=0\r\nm=audio\r\n", nameof(SdpErrorKind.BadMediaLine))]
    [InlineData("v=0\r\nm=audio x UDP 0\r\n", nameof(SdpErrorKind.BadMediaLine))]
    [InlineData("v=0\r\nm=audio 70000 UDP 0\r\n", nameof(SdpErrorKind.BadMediaLine))]
    [InlineData("v=0\r\nm=audio 9/x UDP 0\r\n", nameof(SdpErrorKind.BadMediaLine))]
    public void TryParse_Malformed_ReturnsError(string sdp, string expected)
    {
        Assert.False(SdpParser.TryParse(sdp, out _, out var error));
        Assert.Equal(expected, error.Kind.ToString());
    }

    [Fact]
    public void TryParse_OverByteLimit_TooLarge()
    {
        string big = "v=0\r\n" + new string('x', SdpLimits.Default.MaxBytes);
        Assert.False(SdpParser.TryParse(big, out _, out var error));
        Assert.Equal(SdpErrorKind.TooLarge, error.Kind);
        Assert.False(SdpParser.TryParse(Encoding.UTF8.GetBytes(big), out _, out error));
        Assert.Equal(SdpErrorKind.TooLarge, error.Kind);
    }

    [Fact]
    public void TryParse_UnderCharLimitOverByteLimit_CountsUtf8Bytes()
    {
        var limits = new SdpLimits { MaxBytes = 100 };
        string sdp = "v=0\r\ns=" + new string('é', 60) + "\r\n";   // 69 characters, 129 bytes
        Assert.True(sdp.Length < 100);
        Assert.False(SdpParser.TryParse(sdp, limits, out _, out var error));
        Assert.Equal(SdpErrorKind.TooLarge, error.Kind);
        Assert.True(SdpParser.TryParse("v=0\r\ns=" + new string('é', 40) + "\r\n", limits, out var ok, out _));
        Assert.Equal(new string('é', 40), ok.SessionName);
    }

    [Fact]
    public void TryParse_TooManyLines_StopsAtTheLimit()
    {
        var limits = new SdpLimits { MaxLines = 50 };
        string sdp = "v=0\r\n" + string.Concat(Enumerable.Repeat("a=x\r\n", 60));
        Assert.False(SdpParser.TryParse(sdp, limits, out _, out var error));
        Assert.Equal((SdpErrorKind.TooManyLines, 51), (error.Kind, error.Line));
        Assert.True(SdpParser.TryParse("v=0\r\n" + string.Concat(Enumerable.Repeat("a=x\r\n", 40)), limits, out _, out _));
    }

    [Fact]
    public void TryParse_DefaultLineLimit_RejectsManyShortLines()
    {
        string sdp = "v=0\r\n" + string.Concat(Enumerable.Repeat("a\r\n", SdpLimits.Default.MaxLines + 10));  // 3 bytes a line, under 256 KiB
        Assert.True(Encoding.UTF8.GetByteCount(sdp) < SdpLimits.Default.MaxBytes);
        Assert.False(SdpParser.TryParse(sdp, out _, out var error));
        Assert.Equal(SdpErrorKind.TooManyLines, error.Kind);
    }

    [Fact]
    public void TryParse_TooManyMediaSections_Error()
    {
        var limits = new SdpLimits { MaxMediaSections = 3 };
        string sdp = "v=0\r\n" + string.Concat(Enumerable.Repeat("m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", 4));
        Assert.False(SdpParser.TryParse(sdp, limits, out _, out var error));
        Assert.Equal((SdpErrorKind.TooManyMediaSections, 5), (error.Kind, error.Line));
    }

    [Fact]
    public void TryParse_LineTooLong_Error()
    {
        string sdp = "v=0\r\na=" + new string('z', SdpLimits.Default.MaxLineLength) + "\r\n";
        Assert.False(SdpParser.TryParse(sdp, out _, out var error));
        Assert.Equal((SdpErrorKind.LineTooLong, 2), (error.Kind, error.Line));
    }

    [Fact]
    public void TryParse_Utf8Bytes_SameAsString()
    {
        string text = CapturedSdp.Read(CapturedSdp.SimulcastQhfScreen);
        Assert.True(SdpParser.TryParse(Encoding.UTF8.GetBytes(text), out var fromBytes, out _));
        Assert.Equal(SdpWriter.Write(SdpTestData.Parse(text)), SdpWriter.Write(fromBytes));
    }
}
