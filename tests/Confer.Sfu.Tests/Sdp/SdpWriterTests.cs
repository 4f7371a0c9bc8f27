using Confer.Sfu.Sdp;

namespace Confer.Sfu.Tests.Sdp;

public sealed class SdpWriterTests
{
    [Fact]
    public void Write_HandBuiltSession_ExactText()
    {
        var description = new SessionDescription { SessionId = "9", SessionVersion = 3, IceLite = true };
        description.Groups.Add(new SdpGroup("BUNDLE", ["a"]));
        var media = new MediaDescription { Kind = "video", Port = 9, Proto = "UDP/TLS/RTP/SAVPF", Connection = "IN IP4 0.0.0.0", Mid = "a", Direction = SdpDirection.RecvOnly, RtcpMux = true };
        media.Formats.AddRange(["96", "97"]);
        var vp8 = new SdpCodec { PayloadType = 96, Name = "VP8", ClockRate = 90000, HasRtpMap = true };
        vp8.Feedback.Add("nack pli");
        media.Codecs.Add(vp8);
        media.Codecs.Add(new SdpCodec { PayloadType = 97, Name = "rtx", ClockRate = 90000, HasRtpMap = true, Fmtp = "apt=96" });
        media.ExtMaps.Add(new SdpExtMap(3, SdpExtensionUris.TransportWideCc));
        media.Rids.Add(new SdpRid("h", "recv"));
        media.Rids.Add(new SdpRid("l", "recv"));
        media.Simulcast = new SdpSimulcast([], [[new("h", false)], [new("l", true)]]);
        description.Media.Add(media);

        Assert.Equal(
            "v=0\r\no=- 9 3 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE a\r\na=ice-lite\r\n" +
            "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\na=mid:a\r\n" +
            "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\na=recvonly\r\n" +
            "a=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n" +
            "a=rid:h recv\r\na=rid:l recv\r\na=simulcast:recv h;~l\r\n",
            SdpWriter.Write(description));
    }

    [Theory]
    [InlineData(CapturedSdp.SimulcastLmh)]
    [InlineData(CapturedSdp.SimulcastQhfScreen)]
    [InlineData(CapturedSdp.SingleLayer)]
    public void Write_ParsedChromiumOffer_RoundTripsLinesAndModel(string file)
    {
        string original = CapturedSdp.Read(file);
        string written = SdpWriter.Write(SdpTestData.Parse(original));

        Assert.Equal(Lines(original).Order(StringComparer.Ordinal), Lines(written).Order(StringComparer.Ordinal));   // nothing lost or invented
        Assert.Equal(written, SdpWriter.Write(SdpTestData.Parse(written)));                                          // a fixed point
        Assert.DoesNotContain("\n", written.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.EndsWith("\r\n", written, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_SameModelTwice_SameText()
    {
        var description = SdpTestData.Parse(CapturedSdp.Read(CapturedSdp.SimulcastQhfScreen));
        Assert.Equal(SdpWriter.Write(description), SdpWriter.Write(description));
    }

    private static string[] Lines(string sdp) => sdp.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
}
