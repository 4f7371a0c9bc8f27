using Confer.Signaling.Routing;

namespace Confer.Server.Whip;

/// <summary>
/// The sending audio and video sections of a WHIP offer (RFC 9725 §4.2: the client offers, sendonly), by mid: what the
/// room publishes as tracks. Only what names the tracks is read here (RFC 8866 §5.14 m=, RFC 5888 §4 a=mid, §6.7
/// direction); the SFU parses and answers the whole offer.
/// </summary>
internal static class WhipOffer
{
    /// <summary>More m= sections than this and the offer is not read further (an encoder sends two).</summary>
    public const int MaxSections = 64;

    /// <summary>The sections that send (sendonly or sendrecv, port not 0 unless bundle-only, with a mid); false with a sentence when the offer is not SDP.</summary>
    public static bool TryRead(string sdp, out List<IngestSection> sections, out string? error)
    {
        sections = [];
        error = null;
        if (!sdp.StartsWith("v=0", StringComparison.Ordinal))
        {
            error = "the body is not an SDP offer (RFC 8866: it starts with v=0)";
            return false;
        }
        string? kind = null, mid = null;
        var sends = true;
        var portZero = false;
        var bundleOnly = false;
        var count = 0;
        foreach (var raw in sdp.AsSpan().EnumerateLines())
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("m="))
            {
                Close(sections, kind, mid, sends && (!portZero || bundleOnly));
                if (++count > MaxSections)
                {
                    error = $"the offer has more than {MaxSections} m= sections";
                    return false;
                }
                (kind, portZero) = MediaKind(line[2..]);
                (mid, sends, bundleOnly) = (null, true, false);
            }
            else if (kind is null) continue;
            else if (line.StartsWith("a=mid:")) mid = line[6..].Trim().ToString();
            else if (line is "a=recvonly" or "a=inactive") sends = false;
            else if (line is "a=bundle-only") bundleOnly = true;
        }
        Close(sections, kind, mid, sends && (!portZero || bundleOnly));
        return true;
    }

    private static void Close(List<IngestSection> sections, string? kind, string? mid, bool sends)
    {
        if (kind is not null && sends && !string.IsNullOrEmpty(mid) && mid.Length <= 32) sections.Add(new IngestSection(mid, kind));
    }

    /// <summary>
    /// "audio" or "video" (else null), and whether the port is 0: a rejected section, unless it is
    /// <c>a=bundle-only</c> (RFC 8843 §6: a max-bundle offer puts port 0 on every section but the first).
    /// </summary>
    private static (string? Kind, bool PortZero) MediaKind(ReadOnlySpan<char> value)
    {
        string? kind = null;
        var index = 0;
        foreach (var range in value.Split(' '))
        {
            var part = value[range];
            if (index == 0) kind = part is "audio" ? "audio" : part is "video" ? "video" : null;
            else if (index == 1) return (kind, part.SequenceEqual("0"));
            index++;
        }
        return (null, false);
    }
}
