using System.Buffers;
using System.Buffers.Binary;

namespace Confer.Transport.Classification;

/// <summary>What a TCP connection carries, by its first bytes.</summary>
public enum StreamKind : byte
{
    /// <summary>None of the below: close it.</summary>
    Unknown,

    /// <summary>A TLS handshake record (content type 22, version 3.x, RFC 8446 §5.1): a ClientHello; ALPN then says more.</summary>
    Tls,

    /// <summary>A STUN message: first byte 0-3 and the magic cookie 0x2112A442 at bytes 4-7 (RFC 8489 §5, §6.2.2).</summary>
    Stun,

    /// <summary>TURN ChannelData: first byte 64-79 (channels 0x4000-0x4FFF, RFC 8656 §12), not an HTTP method.</summary>
    ChannelData,

    /// <summary>An HTTP/1.x request line: a method token and a space ("GET ", "POST ", ...; RFC 9110 §9).</summary>
    Http,

    /// <summary>The HTTP/2 connection preface with prior knowledge ("PRI * HTTP/2.0", RFC 9113 §3.4).</summary>
    Http2,
}

/// <summary>
/// Tells what a new TCP connection speaks from its first few bytes (at most <see cref="MaxNeeded"/>), so one port can
/// later serve TURN, TLS (and through ALPN, TURN over TLS, RFC 7443, or HTTPS) and HTTP. The ranges follow RFC 7983's
/// first-byte split; HTTP methods begin with capital letters, some of which ("C", "D", "G", "H", "O") fall in
/// ChannelData's range 64-79, so a method token is looked for first.
/// </summary>
public static class StreamClassifier
{
    /// <summary>Bytes that always suffice to decide.</summary>
    public const int MaxNeeded = 8;

    private const uint MagicCookie = 0x2112A442; // RFC 8489 §5: what makes a STUN stream unambiguous

    // RFC 9110 §9.3 methods (and the HTTP/2 preface's "PRI"), each with the space after it.
    private static ReadOnlySpan<byte> Get => "GET "u8;
    private static ReadOnlySpan<byte> Head => "HEAD "u8;
    private static ReadOnlySpan<byte> Post => "POST "u8;
    private static ReadOnlySpan<byte> Put => "PUT "u8;
    private static ReadOnlySpan<byte> Delete => "DELETE "u8;
    private static ReadOnlySpan<byte> Connect => "CONNECT "u8;
    private static ReadOnlySpan<byte> Options => "OPTIONS "u8;
    private static ReadOnlySpan<byte> Trace => "TRACE "u8;
    private static ReadOnlySpan<byte> Patch => "PATCH "u8;
    private static ReadOnlySpan<byte> Pri => "PRI * "u8;

    /// <summary>
    /// Looks at the first bytes of a connection. False when they are too few to tell (read more and ask again; never more
    /// than <see cref="MaxNeeded"/> are needed); true with the answer otherwise.
    /// </summary>
    public static bool TryClassify(ReadOnlySpan<byte> head, out StreamKind kind)
    {
        kind = StreamKind.Unknown;
        if (head.IsEmpty) return false;
        byte first = head[0];
        if (first == 0x16)
        {
            // TLS record: ContentType handshake (22), ProtocolVersion major 3 (every TLS version's record layer).
            if (head.Length < 2) return false;
            kind = head[1] == 0x03 ? StreamKind.Tls : StreamKind.Unknown;
            return true;
        }
        if (first <= 3)
        {
            if (head.Length < 8) return false;
            kind = BinaryPrimitives.ReadUInt32BigEndian(head[4..]) == MagicCookie ? StreamKind.Stun : StreamKind.Unknown;
            return true;
        }
        switch (Method(head))
        {
            case Match.More:
                return false;
            case Match.Http:
                kind = StreamKind.Http;
                return true;
            case Match.Http2:
                kind = StreamKind.Http2;
                return true;
        }
        kind = first is >= 64 and <= 79 ? StreamKind.ChannelData : StreamKind.Unknown;
        return true;
    }

    /// <summary>What the head of a stream looks like, for a log line: <see cref="StreamKind.Unknown"/> when too short to tell.</summary>
    public static StreamKind Describe(ReadOnlySpan<byte> head) => TryClassify(head, out var kind) ? kind : StreamKind.Unknown;

    /// <summary>The same over a pipe's buffer, whose first segment may be short.</summary>
    public static StreamKind Describe(in ReadOnlySequence<byte> head)
    {
        Span<byte> bytes = stackalloc byte[MaxNeeded];
        int length = (int)Math.Min(head.Length, MaxNeeded);
        head.Slice(0, length).CopyTo(bytes);
        return Describe(bytes[..length]);
    }

    private enum Match { None, More, Http, Http2 }

    private static Match Method(ReadOnlySpan<byte> head)
    {
        var result = Match.None;
        Consider(head, Get, Match.Http, ref result);
        Consider(head, Head, Match.Http, ref result);
        Consider(head, Post, Match.Http, ref result);
        Consider(head, Put, Match.Http, ref result);
        Consider(head, Delete, Match.Http, ref result);
        Consider(head, Connect, Match.Http, ref result);
        Consider(head, Options, Match.Http, ref result);
        Consider(head, Trace, Match.Http, ref result);
        Consider(head, Patch, Match.Http, ref result);
        Consider(head, Pri, Match.Http2, ref result);
        return result;
    }

    /// <summary>A whole token wins; a token the bytes so far are the start of means "more"; else no change.</summary>
    private static void Consider(ReadOnlySpan<byte> head, ReadOnlySpan<byte> token, Match whole, ref Match result)
    {
        if (result is Match.Http or Match.Http2) return;
        if (head.Length >= token.Length)
        {
            if (head.StartsWith(token)) result = whole;
        }
        else if (token.StartsWith(head))
        {
            result = Match.More;
        }
    }
}
