namespace Confer.Sfu.Sdp;

/// <summary>
/// A parsed session description (RFC 8866 §5), the parts WebRTC uses given names and everything else kept in
/// order as <see cref="OtherAttributes"/> so a round trip through <see cref="SdpWriter"/> loses nothing it knows.
/// <code>
/// v=0                                   session section: v o s [i u e p c b] t [r z k] a*
/// o=- 4611731400430051336 2 IN IP4 127.0.0.1
/// s=-
/// t=0 0
/// a=group:BUNDLE 0 1 2                  RFC 8843 §7
/// m=audio 9 UDP/TLS/RTP/SAVPF 111 63    media sections: m [i c b k] a*
/// ...
/// </code>
/// Mutable: the builders fill one in and the writer serializes it.
/// </summary>
internal sealed class SessionDescription
{
    /// <summary>o= username (RFC 8866 §5.2); "-" when absent.</summary>
    public string OriginUsername { get; set; } = "-";
    public string SessionId { get; set; } = "0";
    public ulong SessionVersion { get; set; }
    public string OriginAddress { get; set; } = "IN IP4 127.0.0.1";

    /// <summary>s= (RFC 8866 §5.3); "-" in WebRTC.</summary>
    public string SessionName { get; set; } = "-";

    /// <summary>t= (RFC 8866 §5.9); "0 0" in WebRTC.</summary>
    public string Timing { get; set; } = "0 0";

    /// <summary>a=group lines (RFC 5888 §5), for example BUNDLE (RFC 8843 §7).</summary>
    public List<SdpGroup> Groups { get; } = [];

    /// <summary>a=ice-lite (RFC 8839 §5.3).</summary>
    public bool IceLite { get; set; }

    /// <summary>a=extmap-allow-mixed (RFC 8285 §6).</summary>
    public bool ExtmapAllowMixed { get; set; }

    /// <summary>a=msid-semantic value, kept as written (for example " WMS" or " WMS *").</summary>
    public string? MsidSemantic { get; set; }

    /// <summary>Session-level ICE and DTLS attributes; media-level ones take precedence (RFC 8839 §5.4).</summary>
    public string? IceUfrag { get; set; }
    public string? IcePwd { get; set; }
    public string? IceOptions { get; set; }
    public List<SdpFingerprint> Fingerprints { get; } = [];
    public SdpSetup Setup { get; set; }

    /// <summary>Lines this model has no name for, kept in order (type character and value, or "a" and the attribute).</summary>
    public List<SdpLine> OtherLines { get; } = [];

    public List<MediaDescription> Media { get; } = [];

    /// <summary>The BUNDLE group's mids, or an empty list (RFC 8843 §7).</summary>
    public IReadOnlyList<string> BundleMids =>
        Groups.FirstOrDefault(g => g.Semantics == "BUNDLE")?.Mids ?? (IReadOnlyList<string>)[];

    public MediaDescription? FindMid(string mid) => Media.FirstOrDefault(m => m.Mid == mid);
}

/// <summary>One line kept as written: the type character and everything after '='.</summary>
internal readonly record struct SdpLine(char Type, string Value);

/// <summary>a=group:&lt;semantics&gt; &lt;mid&gt;* (RFC 5888 §5).</summary>
internal sealed record SdpGroup(string Semantics, List<string> Mids);

/// <summary>a=fingerprint:&lt;hash-func&gt; &lt;fingerprint&gt; (RFC 8122 §5).</summary>
internal readonly record struct SdpFingerprint(string Algorithm, string Value);

/// <summary>a=extmap:&lt;id&gt;[/&lt;direction&gt;] &lt;uri&gt; [&lt;attributes&gt;] (RFC 8285 §8).</summary>
internal sealed record SdpExtMap(int Id, string Uri, string? Direction = null, string? Attributes = null);

/// <summary>a=rid:&lt;id&gt; send|recv [&lt;params&gt;] (RFC 8851 §10).</summary>
internal sealed record SdpRid(string Id, string Direction, string? Parameters = null)
{
    public bool IsSend => Direction == "send";
}

/// <summary>a=ssrc:&lt;ssrc&gt; &lt;attribute&gt;[:&lt;value&gt;] (RFC 5576 §4.1).</summary>
internal sealed record SdpSsrc(uint Ssrc, string Attribute, string? Value);

/// <summary>a=ssrc-group:&lt;semantics&gt; &lt;ssrc&gt;* (RFC 5576 §4.2), for example FID (RFC 4588 §8.7) for RTX.</summary>
internal sealed record SdpSsrcGroup(string Semantics, List<uint> Ssrcs);

/// <summary>a=msid:&lt;stream id&gt; [&lt;track id&gt;] (RFC 8830 §2).</summary>
internal sealed record SdpMsid(string StreamId, string? TrackId);

/// <summary>
/// a=simulcast (RFC 8853 §5.1): <c>a=simulcast:send 1;2,3 recv 4</c>. Each direction holds a list of streams
/// (separated by ';'); each stream a list of alternative rids (separated by ','); '~' marks a paused one.
/// </summary>
internal sealed record SdpSimulcast(List<List<SdpSimulcastRid>> Send, List<List<SdpSimulcastRid>> Recv);

internal readonly record struct SdpSimulcastRid(string Rid, bool Paused);

/// <summary>One payload type's rtpmap, fmtp and rtcp-fb lines (RFC 8866 §6.6, §6.15; RFC 4585 §4.2).</summary>
internal sealed class SdpCodec
{
    public required int PayloadType { get; init; }
    public string Name { get; set; } = "";
    public int ClockRate { get; set; }
    public int Channels { get; set; }

    /// <summary>The fmtp parameters as written (after "a=fmtp:&lt;pt&gt; "), or null.</summary>
    public string? Fmtp { get; set; }

    /// <summary>rtcp-fb values for this payload type, such as "nack", "nack pli", "transport-cc".</summary>
    public List<string> Feedback { get; } = [];

    /// <summary>True when an a=rtpmap line was seen (static payload types may have none).</summary>
    public bool HasRtpMap { get; set; }

    /// <summary>The value of one fmtp parameter (case-insensitive name), or null.</summary>
    public string? FmtpParameter(string name)
    {
        if (Fmtp is null) return null;
        foreach (var part in Fmtp.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            if (eq > 0 && part.AsSpan(0, eq).Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
                return part[(eq + 1)..].Trim();
        }
        return null;
    }

    public bool Is(string name) => Name.Equals(name, StringComparison.OrdinalIgnoreCase);

    public SdpCodec Clone(IEnumerable<string>? feedback = null)
    {
        var copy = new SdpCodec { PayloadType = PayloadType, Name = Name, ClockRate = ClockRate, Channels = Channels, Fmtp = Fmtp, HasRtpMap = HasRtpMap };
        copy.Feedback.AddRange(feedback ?? Feedback);
        return copy;
    }
}
