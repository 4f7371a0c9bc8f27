namespace Confer.Sfu.Rtp;

/// <summary>
/// The header-extension ids negotiated for one transport (RFC 8285 §5, SDP <c>a=extmap</c>). An id of 0
/// means "not negotiated": lookups for it find nothing. One-byte form ids are 1–14, two-byte form 1–255.
/// </summary>
internal readonly record struct RtpHeaderExtensionIds(
    byte Mid = 0,
    byte Rid = 0,
    byte RepairedRid = 0,
    byte AbsSendTime = 0,
    byte TransportWideCc = 0,
    byte AudioLevel = 0)
{
    /// <summary>RFC 9143 §15 (BUNDLE): the media id.</summary>
    public const string MidUri = "urn:ietf:params:rtp-hdrext:sdes:mid";
    /// <summary>RFC 8852 §3.1: RtpStreamId.</summary>
    public const string RidUri = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
    /// <summary>RFC 8852 §3.2: RepairedRtpStreamId.</summary>
    public const string RepairedRidUri = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
    /// <summary>WebRTC's absolute send time (24-bit 6.18 fixed-point seconds).</summary>
    public const string AbsSendTimeUri = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
    /// <summary>draft-holmer-rmcat-transport-wide-cc-extensions-01 §2: the transport-wide sequence number.</summary>
    public const string TransportWideCcUri = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
    /// <summary>RFC 6464: client-to-mixer audio level.</summary>
    public const string AudioLevelUri = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

    /// <summary>
    /// Returns a copy with <paramref name="id"/> assigned to the extension named by <paramref name="uri"/>;
    /// unknown URIs and ids outside 1–255 leave the map unchanged (they are simply not used).
    /// </summary>
    public RtpHeaderExtensionIds With(int id, string uri)
    {
        if (id is < 1 or > 255) return this;
        byte b = (byte)id;
        return uri switch
        {
            MidUri => this with { Mid = b },
            RidUri => this with { Rid = b },
            RepairedRidUri => this with { RepairedRid = b },
            AbsSendTimeUri => this with { AbsSendTime = b },
            TransportWideCcUri => this with { TransportWideCc = b },
            AudioLevelUri => this with { AudioLevel = b },
            _ => this,
        };
    }
}
