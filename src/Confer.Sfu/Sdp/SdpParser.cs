using System.Globalization;
using System.Text;

namespace Confer.Sfu.Sdp;

/// <summary>
/// Reads an SDP (RFC 8866 §5, <c>&lt;type&gt;=&lt;value&gt;</c> lines ended by CRLF or a bare LF) into a
/// <see cref="SessionDescription"/>. Lenient where browsers differ — unknown lines are kept, malformed attributes
/// skipped — and bounded before anything grows with the input (<see cref="SdpLimits"/>): size in UTF-8 bytes,
/// line count, line length and m= section count. Errors are values.
/// </summary>
internal static class SdpParser
{
    public static bool TryParse(ReadOnlySpan<byte> utf8, out SessionDescription description, out SdpError error) =>
        TryParse(utf8, SdpLimits.Default, out description, out error);

    public static bool TryParse(ReadOnlySpan<byte> utf8, SdpLimits limits, out SessionDescription description, out SdpError error)
    {
        description = new SessionDescription();
        if (utf8.Length > limits.MaxBytes)
        {
            error = new SdpError(SdpErrorKind.TooLarge, 0, $"{utf8.Length} bytes, at most {limits.MaxBytes}");
            return false;
        }
        return TryParse(Encoding.UTF8.GetString(utf8), limits, out description, out error);
    }

    public static bool TryParse(string text, out SessionDescription description, out SdpError error) =>
        TryParse(text, SdpLimits.Default, out description, out error);

    public static bool TryParse(string text, SdpLimits limits, out SessionDescription description, out SdpError error)
    {
        description = new SessionDescription();
        // UTF-8 never takes fewer bytes than UTF-16 code units, so the character count is a cheap first bound.
        if (text.Length > limits.MaxBytes || Encoding.UTF8.GetByteCount(text) > limits.MaxBytes)
        {
            error = new SdpError(SdpErrorKind.TooLarge, 0, $"more than {limits.MaxBytes} bytes");
            return false;
        }
        if (text.AsSpan().Trim().IsEmpty)
        {
            error = new SdpError(SdpErrorKind.Empty, 0, "no lines");
            return false;
        }

        var reader = new LineReader(description);
        int lineNumber = 0;
        int start = 0;
        while (start <= text.Length)
        {
            int end = text.IndexOf('\n', start);
            if (end < 0) end = text.Length;
            lineNumber++;
            if (lineNumber > limits.MaxLines)
            {
                error = new SdpError(SdpErrorKind.TooManyLines, lineNumber, $"at most {limits.MaxLines} lines");
                return false;
            }
            int length = end - start;
            if (length > 0 && text[end - 1] == '\r') length--;
            if (length > limits.MaxLineLength)
            {
                error = new SdpError(SdpErrorKind.LineTooLong, lineNumber, $"{length} characters, at most {limits.MaxLineLength}");
                return false;
            }
            if (!reader.Read(text.Substring(start, length), lineNumber, limits, out error)) return false;
            start = end + 1;
        }
        if (!reader.SawVersion)
        {
            error = new SdpError(SdpErrorKind.MissingVersion, 1, "no v=0 line");
            return false;
        }
        error = SdpError.None;
        return true;
    }

    private sealed class LineReader(SessionDescription description)
    {
        private MediaDescription? _media;

        public bool SawVersion { get; private set; }

        public bool Read(string line, int number, SdpLimits limits, out SdpError error)
        {
            error = SdpError.None;
            if (line.Length == 0) return true;                     // lenient: blank lines (a trailing one is normal)
            if (line.Length < 2 || line[1] != '=') return true;    // lenient: not a <type>=<value> line
            char type = line[0];
            string value = line[2..];
            if (!SawVersion)
            {
                if (type != 'v' || value.Trim() != "0")
                {
                    error = new SdpError(SdpErrorKind.MissingVersion, number, "the first line must be v=0");
                    return false;
                }
                SawVersion = true;
                return true;
            }

            switch (type)
            {
                case 'm':
                    if (description.Media.Count >= limits.MaxMediaSections)
                    {
                        error = new SdpError(SdpErrorKind.TooManyMediaSections, number, $"at most {limits.MaxMediaSections} m= sections");
                        return false;
                    }
                    if (!TryReadMediaLine(value, out var media))
                    {
                        error = new SdpError(SdpErrorKind.BadMediaLine, number, "expected m=<media> <port> <proto> <fmt>...");
                        return false;
                    }
                    description.Media.Add(media);
                    _media = media;
                    return true;
                case 'o' when _media is null:
                    ReadOrigin(value);
                    return true;
                case 's' when _media is null:
                    description.SessionName = value;
                    return true;
                case 't' when _media is null:
                    description.Timing = value;
                    return true;
                case 'c' when _media is not null:
                    _media.Connection = value;
                    return true;
                case 'b' when _media is not null:
                    _media.Bandwidths.Add(value);
                    return true;
                case 'a':
                    int colon = value.IndexOf(':');
                    string name = colon < 0 ? value : value[..colon];
                    string? argument = colon < 0 ? null : value[(colon + 1)..];
                    bool known = _media is null ? ReadSessionAttribute(name, argument) : SdpAttributeReader.Read(_media, name, argument);
                    if (!known) (_media?.OtherLines ?? description.OtherLines).Add(new SdpLine(type, value));
                    return true;
                default:
                    (_media?.OtherLines ?? description.OtherLines).Add(new SdpLine(type, value));
                    return true;
            }
        }

        private void ReadOrigin(string value)
        {
            // o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> (RFC 8866 §5.2)
            var parts = value.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 4) return;
            description.OriginUsername = parts[0];
            description.SessionId = parts[1];
            description.SessionVersion = ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v : 0;
            description.OriginAddress = parts[3];
        }

        private bool ReadSessionAttribute(string name, string? value)
        {
            switch (name)
            {
                case "group" when value is not null:
                    var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length == 0) return false;
                    description.Groups.Add(new SdpGroup(parts[0], [.. parts.Skip(1)]));
                    return true;
                case "ice-lite": description.IceLite = true; return true;
                case "extmap-allow-mixed": description.ExtmapAllowMixed = true; return true;
                case "msid-semantic": description.MsidSemantic = value ?? ""; return true;
                case "ice-ufrag" when value is not null: description.IceUfrag = value.Trim(); return true;
                case "ice-pwd" when value is not null: description.IcePwd = value.Trim(); return true;
                case "ice-options" when value is not null: description.IceOptions = value.Trim(); return true;
                case "setup" when value is not null:
                    var setup = SdpEnums.ParseSetup(value.Trim());
                    if (setup == SdpSetup.None) return false;
                    description.Setup = setup;
                    return true;
                case "fingerprint" when value is not null:
                    if (!SdpAttributeReader.TryReadFingerprint(value, out var fingerprint)) return false;
                    description.Fingerprints.Add(fingerprint);
                    return true;
                default: return false;
            }
        }

        private static bool TryReadMediaLine(string value, out MediaDescription media)
        {
            media = new MediaDescription();
            var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 3) return false;
            media.Kind = parts[0];
            var port = parts[1].AsSpan();
            int slash = port.IndexOf('/');
            if (slash >= 0)
            {
                if (!int.TryParse(port[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int count)) return false;
                media.PortCount = count;
                port = port[..slash];
            }
            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number > 65535) return false;
            media.Port = number;
            media.Proto = parts[2];
            bool rtp = media.Proto.Contains("RTP", StringComparison.Ordinal);
            foreach (var format in parts.Skip(3))
            {
                media.Formats.Add(format);
                if (rtp && int.TryParse(format, NumberStyles.None, CultureInfo.InvariantCulture, out int pt) && pt <= 127 && media.FindCodec(pt) is null)
                    media.Codecs.Add(new SdpCodec { PayloadType = pt });
            }
            return true;
        }
    }
}
