using Confer.Signaling.Auth;

namespace Confer.Signaling.Rooms;

/// <summary>What a participant's own SDP may say about media, from its grant.</summary>
/// <param name="MaySend">canPublish, and not hidden: an audio or video section may include send.</param>
/// <param name="MayReceive">canSubscribe: an audio or video section may include recv.</param>
internal readonly record struct SdpRights(bool MaySend, bool MayReceive)
{
    public static SdpRights Of(ParticipantPermission p) => new(p.CanPublish && !p.Hidden, p.CanSubscribe);
}

/// <summary>The tracks a participant's SDP may send: the ones it published (the server checked their source and kind then).</summary>
internal interface ISendableTracks
{
    /// <summary>True when <paramref name="trackSid"/> is one of the participant's tracks, of kind video (or audio when false).</summary>
    bool MaySend(ReadOnlySpan<char> trackSid, bool video);
}

internal enum SdpFault : byte
{
    None,
    SendsWithoutCanPublish,
    ReceivesWithoutCanSubscribe,
    SendsNoTrack,       // a sending section has no a=msid
    SendsUnknownTrack,  // its msid names no published track of the section's kind
    SendsTrackTwice,    // two sending sections name the same track
    UnsupportedMedia,   // an active section that is not audio, video or an SCTP data channel
}

internal enum SdpMedia : byte { Audio, Video, Application, Other }

/// <summary>The outcome of <see cref="SdpPolicy.Check"/>: the first fault and the m-section (0-based, as sdpMLineIndex) it is in.</summary>
internal readonly record struct SdpVerdict(SdpFault Fault, int Section, SdpMedia Media)
{
    public bool Allowed => Fault == SdpFault.None;

    public string Describe()
    {
        var kind = Media switch { SdpMedia.Audio => "audio", SdpMedia.Video => "video", SdpMedia.Application => "application", _ => "media" };
        return Fault switch
        {
            SdpFault.None => "allowed",
            SdpFault.SendsWithoutCanPublish => $"m-section {Section} ({kind}) sends media, but the token may not publish: make it recvonly or inactive",
            SdpFault.ReceivesWithoutCanSubscribe => $"m-section {Section} ({kind}) receives media, but the token has no canSubscribe grant: make it sendonly or inactive",
            SdpFault.SendsNoTrack => $"m-section {Section} sends {kind} without an a=msid naming one of your published tracks",
            SdpFault.SendsUnknownTrack => $"m-section {Section} sends {kind} under a stream id that is not one of your published {kind} tracks",
            SdpFault.SendsTrackTwice => $"m-section {Section} sends a track another m-section already sends",
            SdpFault.UnsupportedMedia => $"m-section {Section} is neither audio, video nor an SCTP data channel",
            _ => Fault.ToString(),
        };
    }
}

/// <summary>
/// Reads the media directions out of an SDP a participant sends (RFC 8866 §5.14 m=, §6.7 direction
/// attributes; RFC 8843 §6 bundle-only; RFC 8830 §2 msid) and judges them against its grant and its
/// published tracks. Media between two browsers flows from X to Y only when X's description sends and
/// Y's receives, and browsers honour the negotiated direction; so checking each participant's own
/// descriptions is enough to keep media from one without canPublish and away from one without canSubscribe.
/// <para>
/// Wherever parsers could disagree the reading is the strictest one a receiving browser might take:
/// every direction attribute found counts (case-insensitively, with any suffix; session-level ones
/// too), a section counts as sendrecv unless it has an exact <c>a=sendonly</c>, <c>a=recvonly</c> or
/// <c>a=inactive</c> line of its own, and port 0 takes a section out only without <c>a=bundle-only</c>.
/// A sending section must name, in every <c>a=msid</c> (and <c>a=ssrc:… msid:</c>) stream id, a track the
/// participant published with the section's kind: the SDK sets the stream id to the track's sid.
/// </para>
/// Allocation-free: spans over the string, a second pass over a section only when it sends.
/// </summary>
internal static class SdpPolicy
{
    /// <summary>More sending sections than this are refused (a participant has at most 32 tracks, plus recently unpublished ones).</summary>
    public const int MaxSendingSections = 64;

    [Flags]
    private enum Direction : byte { None = 0, Send = 1, Recv = 2, SendRecv = Send | Recv }

    public static SdpVerdict Check(ReadOnlySpan<char> sdp, SdpRights rights, ISendableTracks tracks)
    {
        Span<Range> claimed = stackalloc Range[MaxSendingSections];
        var claims = 0;
        var session = Direction.None;
        var index = -1;           // current m-section, -1 at session level
        var sectionStart = 0;
        var media = SdpMedia.Other;
        var active = false;
        var bundleOnly = false;
        var loose = Direction.None;
        var strict = false;

        var pos = 0;
        while (true)
        {
            var atEnd = pos >= sdp.Length;
            ReadOnlySpan<char> line = default;
            var lineStart = pos;
            if (!atEnd)
            {
                var nl = sdp[pos..].IndexOf('\n');
                var end = nl < 0 ? sdp.Length : pos + nl;
                line = sdp[pos..end];
                if (line.EndsWith('\r')) line = line[..^1];
                pos = nl < 0 ? sdp.Length : end + 1;
            }
            if (atEnd || line.StartsWith("m="))
            {
                if (index >= 0)
                {
                    var verdict = Judge(sdp[sectionStart..lineStart], index, media, active || bundleOnly,
                        loose | session | (strict ? Direction.None : Direction.SendRecv), rights, tracks, sdp, claimed, ref claims, sectionStart);
                    if (!verdict.Allowed) return verdict;
                }
                if (atEnd) return new SdpVerdict(SdpFault.None, -1, SdpMedia.Other);
                index++;
                sectionStart = lineStart;
                (media, active) = ReadMediaLine(line[2..]);
                bundleOnly = false;
                loose = Direction.None;
                strict = false;
                continue;
            }
            if (line.Length < 2 || (line[0] is not ('a' or 'A')) || line[1] != '=') continue;
            var direction = LooseDirection(line[2..]);
            if (index < 0) { session |= direction; continue; }
            loose |= direction;
            strict |= line is "a=sendonly" or "a=recvonly" or "a=inactive" or "a=sendrecv";
            bundleOnly |= line.StartsWith("a=bundle-only");
        }
    }

    private static SdpVerdict Judge(ReadOnlySpan<char> section, int index, SdpMedia media, bool active, Direction direction,
        SdpRights rights, ISendableTracks tracks, ReadOnlySpan<char> sdp, Span<Range> claimed, ref int claims, int sectionOffset)
    {
        if (!active || media == SdpMedia.Application) return default;
        if (media == SdpMedia.Other) return new(SdpFault.UnsupportedMedia, index, media);
        if ((direction & Direction.Send) != 0 && !rights.MaySend) return new(SdpFault.SendsWithoutCanPublish, index, media);
        if ((direction & Direction.Recv) != 0 && !rights.MayReceive) return new(SdpFault.ReceivesWithoutCanSubscribe, index, media);
        if ((direction & Direction.Send) == 0) return default;

        var video = media == SdpMedia.Video;
        Range first = default;
        var named = false;
        var rest = section;
        var offset = sectionOffset;
        while (!rest.IsEmpty)
        {
            var nl = rest.IndexOf('\n');
            var line = nl < 0 ? rest : rest[..nl];
            var lineOffset = offset;
            offset += nl < 0 ? rest.Length : nl + 1;
            rest = nl < 0 ? default : rest[(nl + 1)..];
            if (line.EndsWith('\r')) line = line[..^1];

            int idStart;
            if (line.StartsWith("a=msid:")) idStart = 7;
            else if (line.StartsWith("a=ssrc:") && line.IndexOf(" msid:") is > 0 and var at) idStart = at + 6;
            else continue;
            var value = line[idStart..];
            var space = value.IndexOf(' ');
            var stream = space < 0 ? value : value[..space];
            if (!tracks.MaySend(stream, video)) return new(SdpFault.SendsUnknownTrack, index, media);
            if (!named && line.StartsWith("a=msid:"))
            {
                named = true;
                first = new Range(lineOffset + idStart, lineOffset + idStart + stream.Length);
            }
        }
        if (!named) return new(SdpFault.SendsNoTrack, index, media);
        foreach (var earlier in claimed[..claims])
            if (sdp[earlier].SequenceEqual(sdp[first])) return new(SdpFault.SendsTrackTwice, index, media);
        if (claims == claimed.Length) return new(SdpFault.SendsTrackTwice, index, media);
        claimed[claims++] = first;
        return default;
    }

    /// <summary>Reads <c>&lt;media&gt; &lt;port&gt;[/&lt;count&gt;] &lt;proto&gt; …</c>: the kind, and false for port 0 (a rejected section).</summary>
    private static (SdpMedia Media, bool Active) ReadMediaLine(ReadOnlySpan<char> value)
    {
        var space = value.IndexOf(' ');
        var type = space < 0 ? value : value[..space];
        var rest = space < 0 ? default : value[(space + 1)..];
        space = rest.IndexOf(' ');
        var port = space < 0 ? rest : rest[..space];
        var proto = space < 0 ? default : rest[(space + 1)..];
        if (port.IndexOf('/') is >= 0 and var slash) port = port[..slash];
        // Anything but a plain zero counts as active: an unreadable port is judged, not skipped.
        var active = !(port.Length > 0 && port.TrimStart('0').IsEmpty);
        var media = type switch
        {
            "audio" => SdpMedia.Audio,
            "video" => SdpMedia.Video,
            "application" when proto.Contains("SCTP", StringComparison.Ordinal) => SdpMedia.Application,
            _ => SdpMedia.Other,
        };
        return (media, active);
    }

    /// <summary>A direction attribute read as loosely as any parser might: any case, leading blanks, any suffix after ':' or a blank.</summary>
    private static Direction LooseDirection(ReadOnlySpan<char> attribute)
    {
        attribute = attribute.TrimStart(" \t");
        var stop = attribute.IndexOfAny(": \t");
        var name = stop < 0 ? attribute : attribute[..stop];
        if (name.Length != 8) return Direction.None;
        if (name.Equals("sendrecv", StringComparison.OrdinalIgnoreCase)) return Direction.SendRecv;
        if (name.Equals("sendonly", StringComparison.OrdinalIgnoreCase)) return Direction.Send;
        if (name.Equals("recvonly", StringComparison.OrdinalIgnoreCase)) return Direction.Recv;
        return Direction.None;
    }
}
