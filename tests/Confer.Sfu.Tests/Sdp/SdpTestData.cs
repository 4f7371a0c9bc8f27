using System.Net;
using Confer.Sfu.Sdp;

namespace Confer.Sfu.Tests.Sdp;

/// <summary>The server side and codecs the SDP tests share.</summary>
internal static class SdpTestData
{
    public static readonly SdpTransport Server = new(
        "sfuLite1",
        "c0nferSfuIcePassword0123",
        new SdpFingerprint("sha-256", string.Join(':', Enumerable.Range(0, 32).Select(i => (i * 7 + 3).ToString("X2", System.Globalization.CultureInfo.InvariantCulture)))),
        [SdpTransport.HostCandidate(1, new IPEndPoint(IPAddress.Loopback, 7882)), SdpTransport.HostCandidate(2, new IPEndPoint(IPAddress.Loopback, 7881), tcp: true, localPreference: 65534)]);

    public static readonly NegotiatedCodec Opus = new(111, "opus", 48000, 2, "minptime=10;useinbandfec=1", null, ["transport-cc"]);

    public static readonly NegotiatedCodec Vp8 = new(96, "VP8", 90000, 0, null, 97, ["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"]);

    public static DownTrack Audio(string id, uint ssrc, string stream = "PA_alice") => new(id, "audio", stream, Opus, ssrc, null, "alice");

    public static DownTrack Video(string id, uint ssrc, string stream = "PA_alice") => new(id, "video", stream, Vp8, ssrc, ssrc + 1, "alice");

    public static PublisherAnswerOptions Answer => PublisherAnswerOptions.Default with { SessionId = 4242 };

    public static SubscriberOfferOptions Offer => SubscriberOfferOptions.Default with { SessionId = 4343 };

    public static SessionDescription Parse(string sdp)
    {
        Assert.True(SdpParser.TryParse(sdp, out var description, out var error), error.ToString());
        return description;
    }
}
