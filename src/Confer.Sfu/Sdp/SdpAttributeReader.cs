using System.Globalization;

namespace Confer.Sfu.Sdp;

/// <summary>
/// Reads one media-level attribute into a <see cref="MediaDescription"/>. Returns false for an attribute it does
/// not know or cannot read, which the parser then keeps as an unnamed line (lenient, RFC 8866 §5.13: unknown
/// attributes are ignored, not fatal).
/// </summary>
internal static class SdpAttributeReader
{
    public static bool Read(MediaDescription media, string name, string? value)
    {
        switch (name)
        {
            case "mid" when value is not null: media.Mid = value.Trim(); return true;
            case "sendrecv" or "sendonly" or "recvonly" or "inactive": media.Direction = SdpEnums.ParseDirection(name); return true;
            case "rtcp-mux": media.RtcpMux = true; return true;
            case "rtcp-mux-only": media.RtcpMuxOnly = true; return true;
            case "rtcp-rsize": media.RtcpRsize = true; return true;
            case "bundle-only": media.BundleOnly = true; return true;
            case "end-of-candidates": media.EndOfCandidates = true; return true;
            case "extmap-allow-mixed": media.ExtmapAllowMixed = true; return true;
            case "rtcp" when value is not null: media.Rtcp = value; return true;
            case "ice-ufrag" when value is not null: media.IceUfrag = value.Trim(); return true;
            case "ice-pwd" when value is not null: media.IcePwd = value.Trim(); return true;
            case "ice-options" when value is not null: media.IceOptions = value.Trim(); return true;
            case "candidate" when value is not null: media.Candidates.Add(value); return true;
            case "setup" when value is not null:
                var setup = SdpEnums.ParseSetup(value.Trim());
                if (setup == SdpSetup.None) return false;   // kept as a line; an earlier valid one stays
                media.Setup = setup;
                return true;
            case "fingerprint" when value is not null:
                if (!TryReadFingerprint(value, out var fingerprint)) return false;
                media.Fingerprints.Add(fingerprint);
                return true;
            case "msid" when value is not null: return ReadMsid(media, value);
            case "rtpmap" when value is not null: return ReadRtpMap(media, value);
            case "fmtp" when value is not null: return ReadFmtp(media, value);
            case "rtcp-fb" when value is not null: return ReadFeedback(media, value);
            case "extmap" when value is not null: return ReadExtMap(media, value);
            case "rid" when value is not null: return ReadRid(media, value);
            case "simulcast" when value is not null: return ReadSimulcast(media, value);
            case "ssrc" when value is not null: return ReadSsrc(media, value);
            case "ssrc-group" when value is not null: return ReadSsrcGroup(media, value);
            case "sctp-port" when value is not null:
                if (!TryInt(value.Trim(), out int sctp) || sctp > 65535) return false;
                media.SctpPort = sctp;
                return true;
            case "max-message-size" when value is not null:
                if (!long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long size)) return false;
                media.MaxMessageSize = size;
                return true;
            default: return false;
        }
    }

    /// <summary>a=fingerprint:&lt;hash-func&gt; SP &lt;fingerprint&gt; (RFC 8122 §5).</summary>
    public static bool TryReadFingerprint(string value, out SdpFingerprint fingerprint)
    {
        fingerprint = default;
        var parts = value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2) return false;
        fingerprint = new SdpFingerprint(parts[0].ToLowerInvariant(), parts[1].ToUpperInvariant());
        return true;
    }

    private static bool ReadMsid(MediaDescription media, string value)
    {
        var parts = value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is 0 or > 2) return false;
        media.Msids.Add(new SdpMsid(parts[0], parts.Length == 2 ? parts[1] : null));
        return true;
    }

    /// <summary>a=rtpmap:&lt;payload type&gt; &lt;encoding name&gt;/&lt;clock rate&gt;[/&lt;channels&gt;] (RFC 8866 §6.6).</summary>
    private static bool ReadRtpMap(MediaDescription media, string value)
    {
        if (!TrySplitPayloadType(value, out int pt, out string rest)) return false;
        var parts = rest.Trim().Split('/');
        if (parts.Length is < 2 or > 3 || parts[0].Length == 0 || !TryInt(parts[1], out int clock)) return false;
        int channels = 0;
        if (parts.Length == 3 && !TryInt(parts[2], out channels)) return false;
        var codec = media.GetOrAddCodec(pt);
        codec.Name = parts[0];
        codec.ClockRate = clock;
        codec.Channels = channels;
        codec.HasRtpMap = true;
        return true;
    }

    /// <summary>a=fmtp:&lt;format&gt; &lt;format specific parameters&gt; (RFC 8866 §6.15).</summary>
    private static bool ReadFmtp(MediaDescription media, string value)
    {
        if (!TrySplitPayloadType(value, out int pt, out string rest)) return false;
        media.GetOrAddCodec(pt).Fmtp = rest.Trim();
        return true;
    }

    /// <summary>a=rtcp-fb:&lt;pt&gt;|* &lt;type&gt; [&lt;param&gt;] (RFC 4585 §4.2).</summary>
    private static bool ReadFeedback(MediaDescription media, string value)
    {
        int space = value.IndexOf(' ');
        if (space <= 0) return false;
        string feedback = value[(space + 1)..].Trim();
        if (feedback.Length == 0) return false;
        if (value.AsSpan(0, space) is "*")
        {
            media.WildcardFeedback.Add(feedback);
            return true;
        }
        if (!TryPayloadType(value[..space], out int pt)) return false;
        media.GetOrAddCodec(pt).Feedback.Add(feedback);
        return true;
    }

    /// <summary>a=extmap:&lt;value&gt;[/&lt;direction&gt;] &lt;URI&gt; [&lt;extension attributes&gt;] (RFC 8285 §8).</summary>
    private static bool ReadExtMap(MediaDescription media, string value)
    {
        var parts = value.Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2) return false;
        string idText = parts[0];
        string? direction = null;
        int slash = idText.IndexOf('/');
        if (slash >= 0)
        {
            direction = idText[(slash + 1)..];
            idText = idText[..slash];
        }
        if (!TryInt(idText, out int id) || id is < 1 or > 255) return false;   // 1-14 one-byte, 1-255 two-byte
        media.ExtMaps.Add(new SdpExtMap(id, parts[1], direction, parts.Length == 3 ? parts[2] : null));
        return true;
    }

    /// <summary>a=rid:&lt;rid-id&gt; SP (send|recv) [SP &lt;rid-pt-param-list&gt;] (RFC 8851 §10).</summary>
    private static bool ReadRid(MediaDescription media, string value)
    {
        var parts = value.Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || parts[1] is not ("send" or "recv") || !IsRidId(parts[0])) return false;
        media.Rids.Add(new SdpRid(parts[0], parts[1], parts.Length == 3 ? parts[2] : null));
        return true;
    }

    /// <summary>
    /// a=simulcast:&lt;dir&gt; &lt;list&gt; [&lt;dir&gt; &lt;list&gt;] (RFC 8853 §5.1): list = stream *(";" stream),
    /// stream = ["~"] rid *("," ["~"] rid).
    /// </summary>
    private static bool ReadSimulcast(MediaDescription media, string value)
    {
        var parts = value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is not (2 or 4)) return false;
        var simulcast = new SdpSimulcast([], []);
        for (int i = 0; i < parts.Length; i += 2)
        {
            var target = parts[i] switch { "send" => simulcast.Send, "recv" => simulcast.Recv, _ => null };
            if (target is null || target.Count > 0) return false;
            foreach (var stream in parts[i + 1].Split(';'))
            {
                var alternatives = new List<SdpSimulcastRid>();
                foreach (var rid in stream.Split(','))
                {
                    bool paused = rid.StartsWith('~');
                    string id = paused ? rid[1..] : rid;
                    if (!IsRidId(id)) return false;
                    alternatives.Add(new SdpSimulcastRid(id, paused));
                }
                target.Add(alternatives);
            }
        }
        media.Simulcast = simulcast;
        return true;
    }

    /// <summary>a=ssrc:&lt;ssrc-id&gt; &lt;attribute&gt;[:&lt;value&gt;] (RFC 5576 §4.1).</summary>
    private static bool ReadSsrc(MediaDescription media, string value)
    {
        int space = value.IndexOf(' ');
        string idText = space < 0 ? value : value[..space];
        if (!uint.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out uint ssrc)) return false;
        string rest = space < 0 ? "" : value[(space + 1)..];
        int colon = rest.IndexOf(':');
        media.Ssrcs.Add(colon < 0 ? new SdpSsrc(ssrc, rest, null) : new SdpSsrc(ssrc, rest[..colon], rest[(colon + 1)..]));
        return true;
    }

    /// <summary>a=ssrc-group:&lt;semantics&gt; &lt;ssrc-id&gt;* (RFC 5576 §4.2).</summary>
    private static bool ReadSsrcGroup(MediaDescription media, string value)
    {
        var parts = value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2) return false;
        var ssrcs = new List<uint>(parts.Length - 1);
        foreach (var part in parts.Skip(1))
        {
            if (!uint.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out uint ssrc)) return false;
            ssrcs.Add(ssrc);
        }
        media.SsrcGroups.Add(new SdpSsrcGroup(parts[0], ssrcs));
        return true;
    }

    /// <summary>rid-id = 1*(alpha-numeric / "-" / "_") (RFC 8851 §10).</summary>
    private static bool IsRidId(string id)
    {
        if (id.Length is 0 or > 255) return false;
        foreach (char c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) return false;
        }
        return true;
    }

    private static bool TrySplitPayloadType(string value, out int pt, out string rest)
    {
        int space = value.IndexOf(' ');
        rest = space < 0 ? "" : value[(space + 1)..];
        return TryPayloadType(space < 0 ? value : value[..space], out pt);
    }

    private static bool TryPayloadType(string text, out int pt) => TryInt(text, out pt) && pt <= 127;

    private static bool TryInt(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
