using System.Buffers.Binary;

namespace Confer.Sfu.Rtcp;

/// <summary>
/// Source description (RFC 3550 §6.5): SC chunks, each an SSRC followed by items (type, length, text),
/// ended by a null item and zero-padded to a 32-bit boundary. Only CNAME (type 1, §6.5.1) is surfaced;
/// other items are skipped.
/// <code>
/// | V P SC PT=202 length | SSRC/CSRC_1 | CNAME=1 | length | user and domain name ... | 0 | pad | SSRC/CSRC_2 | ...
/// </code>
/// </summary>
internal ref struct RtcpSdesReader
{
    public const byte EndItem = 0;
    public const byte CnameItem = 1;

    private readonly ReadOnlySpan<byte> _body;
    private readonly int _chunkCount;
    private int _offset;
    private int _chunksRead;

    private RtcpSdesReader(ReadOnlySpan<byte> body, int chunkCount)
    {
        _body = body;
        _chunkCount = chunkCount;
        _offset = 0;
        _chunksRead = 0;
    }

    public static bool TryCreate(in RtcpPacket packet, out RtcpSdesReader reader, out RtcpError error)
    {
        reader = default;
        if (packet.Type != RtcpPacketType.SourceDescription) { error = RtcpError.WrongType; return false; }
        reader = new RtcpSdesReader(packet.Body, packet.Count);
        error = RtcpError.None;
        return true;
    }

    /// <summary>Reads the next chunk; <paramref name="cname"/> is empty when the chunk has no CNAME. False at the end or when malformed.</summary>
    public bool TryReadNextChunk(out uint ssrc, out ReadOnlySpan<byte> cname, out RtcpError error)
    {
        ssrc = 0;
        cname = default;
        error = RtcpError.None;
        if (_chunksRead >= _chunkCount) return false;
        int start = _offset;
        if (start + 4 > _body.Length) { error = RtcpError.ItemTruncated; _chunksRead = _chunkCount; return false; }
        ssrc = BinaryPrimitives.ReadUInt32BigEndian(_body[start..]);
        int position = start + 4;
        while (true)
        {
            if (position >= _body.Length) { error = RtcpError.ItemTruncated; _chunksRead = _chunkCount; return false; }
            byte type = _body[position];
            if (type == EndItem) { position++; break; }
            if (position + 2 > _body.Length || position + 2 + _body[position + 1] > _body.Length)
            { error = RtcpError.ItemTruncated; _chunksRead = _chunkCount; return false; }
            int length = _body[position + 1];
            if (type == CnameItem && cname.IsEmpty) cname = _body.Slice(position + 2, length);
            position += 2 + length;
        }
        _offset = Math.Min(_body.Length, start + ((position - start + 3) & ~3));
        _chunksRead++;
        return true;
    }

    /// <summary>Writes an SDES packet with one chunk holding one CNAME item (at most 255 bytes).</summary>
    public static bool TryWriteCname(Span<byte> destination, uint ssrc, ReadOnlySpan<byte> cname, out int written, out RtcpError error)
    {
        written = 0;
        if (cname.Length > 255) { error = RtcpError.InvalidArgument; return false; }
        int chunk = (4 + 2 + cname.Length + 1 + 3) & ~3; // SSRC, item, at least one null octet, padded
        int length = RtcpPacket.HeaderLength + chunk;
        if (destination.Length < length) { error = RtcpError.DestinationTooSmall; return false; }
        RtcpPacket.WriteHeader(destination, 1, RtcpPacketType.SourceDescription, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        destination[8] = CnameItem;
        destination[9] = (byte)cname.Length;
        cname.CopyTo(destination[10..]);
        destination[(10 + cname.Length)..length].Clear();
        written = length;
        error = RtcpError.None;
        return true;
    }
}

/// <summary>
/// Goodbye (RFC 3550 §6.6): SC SSRCs that leave, then an optional length-prefixed reason.
/// <code>
/// | V P SC PT=203 length | SSRC/CSRC × SC | length | reason for leaving ... |
/// </code>
/// </summary>
internal readonly ref struct RtcpBye
{
    private readonly ReadOnlySpan<byte> _sources;

    private RtcpBye(ReadOnlySpan<byte> sources, ReadOnlySpan<byte> reason)
    {
        _sources = sources;
        Reason = reason;
    }

    public int SourceCount => _sources.Length / 4;
    public uint GetSsrc(int index) => BinaryPrimitives.ReadUInt32BigEndian(_sources.Slice(index * 4, 4));
    /// <summary>The reason text (UTF-8), empty when absent.</summary>
    public ReadOnlySpan<byte> Reason { get; }

    public static bool TryRead(in RtcpPacket packet, out RtcpBye bye, out RtcpError error)
    {
        bye = default;
        if (packet.Type != RtcpPacketType.Goodbye) { error = RtcpError.WrongType; return false; }
        var body = packet.Body;
        int sources = packet.Count * 4;
        if (body.Length < sources) { error = RtcpError.BodyTooShort; return false; }
        ReadOnlySpan<byte> reason = default;
        if (body.Length > sources)
        {
            int length = body[sources];
            if (sources + 1 + length > body.Length) { error = RtcpError.ItemTruncated; return false; }
            reason = body.Slice(sources + 1, length);
        }
        bye = new RtcpBye(body[..sources], reason);
        error = RtcpError.None;
        return true;
    }
}
