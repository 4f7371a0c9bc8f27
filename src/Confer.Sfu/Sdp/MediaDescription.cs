namespace Confer.Sfu.Sdp;

/// <summary>
/// One m= section (RFC 8866 §5.14) with the attributes WebRTC uses (RFC 8829 §5.2.1 lists them).
/// <code>
/// m=video 9 UDP/TLS/RTP/SAVPF 96 97     kind port proto fmt*
/// c=IN IP4 0.0.0.0
/// a=mid:1                               RFC 5888 §4
/// a=sendonly                            RFC 8866 §6.7
/// a=msid:stream track                   RFC 8830
/// a=rtpmap:96 VP8/90000                 per payload type: rtpmap, fmtp, rtcp-fb
/// a=rid:h send                          RFC 8851
/// a=simulcast:send h;m;l                RFC 8853
/// </code>
/// </summary>
internal sealed class MediaDescription
{
    /// <summary>"audio", "video", "application", or whatever the m= line said.</summary>
    public string Kind { get; set; } = "";
    public int Port { get; set; }

    /// <summary>Number of ports ("m=audio 9/2 ..."), 0 when not written.</summary>
    public int PortCount { get; set; }
    public string Proto { get; set; } = "";

    /// <summary>The m= line's format list as written: payload types for RTP, "webrtc-datachannel" for SCTP.</summary>
    public List<string> Formats { get; } = [];

    /// <summary>c= line value, for example "IN IP4 0.0.0.0".</summary>
    public string? Connection { get; set; }

    /// <summary>b= lines, for example "AS:2500".</summary>
    public List<string> Bandwidths { get; } = [];

    /// <summary>a=rtcp value (RFC 3605), for example "9 IN IP4 0.0.0.0".</summary>
    public string? Rtcp { get; set; }

    public string? Mid { get; set; }
    public SdpDirection Direction { get; set; }
    public List<SdpMsid> Msids { get; } = [];

    public string? IceUfrag { get; set; }
    public string? IcePwd { get; set; }
    public string? IceOptions { get; set; }
    public List<SdpFingerprint> Fingerprints { get; } = [];
    public SdpSetup Setup { get; set; }

    /// <summary>a=candidate values (after "candidate:"), as written (RFC 8839 §5.1).</summary>
    public List<string> Candidates { get; } = [];
    public bool EndOfCandidates { get; set; }

    public bool RtcpMux { get; set; }
    public bool RtcpMuxOnly { get; set; }
    public bool RtcpRsize { get; set; }
    public bool BundleOnly { get; set; }

    /// <summary>Codecs in m= line order (rtpmap seen or not).</summary>
    public List<SdpCodec> Codecs { get; } = [];

    /// <summary>a=rtcp-fb:* lines, for every payload type.</summary>
    public List<string> WildcardFeedback { get; } = [];

    public List<SdpExtMap> ExtMaps { get; } = [];
    public bool ExtmapAllowMixed { get; set; }
    public List<SdpRid> Rids { get; } = [];
    public SdpSimulcast? Simulcast { get; set; }
    public List<SdpSsrc> Ssrcs { get; } = [];
    public List<SdpSsrcGroup> SsrcGroups { get; } = [];

    /// <summary>a=sctp-port (RFC 8841 §5.2) and a=max-message-size (§6).</summary>
    public int? SctpPort { get; set; }
    public long? MaxMessageSize { get; set; }

    /// <summary>Lines this model has no name for, in order.</summary>
    public List<SdpLine> OtherLines { get; } = [];

    /// <summary>Port 0 without a=bundle-only: rejected or stopped (RFC 8829 §5.2.2, RFC 8843 §6).</summary>
    public bool IsRejected => Port == 0 && !BundleOnly;

    public SdpCodec? FindCodec(int payloadType) => Codecs.FirstOrDefault(c => c.PayloadType == payloadType);

    /// <summary>The RTX codec whose apt points at <paramref name="payloadType"/> (RFC 4588 §8.6).</summary>
    public SdpCodec? FindRtxFor(int payloadType) =>
        Codecs.FirstOrDefault(c => c.Is("rtx") && c.FmtpParameter("apt") == payloadType.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public SdpCodec GetOrAddCodec(int payloadType)
    {
        var codec = FindCodec(payloadType);
        if (codec is null)
        {
            codec = new SdpCodec { PayloadType = payloadType };
            Codecs.Add(codec);
        }
        return codec;
    }
}
