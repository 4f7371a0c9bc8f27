using System.Buffers.Binary;

namespace Confer.Sfu.Codecs;

/// <summary>
/// The VP8 payload descriptor at the front of every VP8 RTP payload (RFC 7741 §4.2), and the first
/// byte of the VP8 payload header behind it (§4.3) when this packet starts a frame.
/// <code>
///        0 1 2 3 4 5 6 7
///       +-+-+-+-+-+-+-+-+
///       |X|R|N|S|R| PID | (REQUIRED)
///       +-+-+-+-+-+-+-+-+
///  X:   |I|L|T|K| RSV   | (OPTIONAL)
///       +-+-+-+-+-+-+-+-+
///  I:   |M| PictureID   | (OPTIONAL, 7 bits, or 15 bits when M = 1)
///       +-+-+-+-+-+-+-+-+
///       |   PictureID   |
///       +-+-+-+-+-+-+-+-+
///  L:   |   TL0PICIDX   | (OPTIONAL)
///       +-+-+-+-+-+-+-+-+
///  T/K: |TID|Y| KEYIDX  | (OPTIONAL)
///       +-+-+-+-+-+-+-+-+
///  VP8 payload header (§4.3), first byte: |Size0|H| VER |P|   P = 0 on a key frame
/// </code>
/// A key frame starts where S = 1, PID = 0 and the payload header's P bit is 0 (§4.3). Offsets of the
/// picture id and TL0PICIDX are kept so a forwarder can rewrite them in place across simulcast switches.
/// </summary>
internal readonly struct Vp8Descriptor
{
    /// <summary>Bytes of descriptor before the VP8 payload (1 to 6).</summary>
    public int Length { get; init; }
    /// <summary>N: this frame is not used as a reference.</summary>
    public bool NonReference { get; init; }
    /// <summary>S: this packet starts a VP8 partition.</summary>
    public bool StartOfPartition { get; init; }
    /// <summary>PID: the partition index (0 to 7).</summary>
    public byte PartitionId { get; init; }
    /// <summary>Width of the picture id in bytes: 0 (absent), 1 (7 bits) or 2 (15 bits).</summary>
    public byte PictureIdLength { get; init; }
    public ushort PictureId { get; init; }
    public bool HasTl0PicIdx { get; init; }
    public byte Tl0PicIdx { get; init; }
    /// <summary>T: TID and Y are present.</summary>
    public bool HasTemporalId { get; init; }
    /// <summary>TID: the temporal layer (0 to 3), 0 when absent.</summary>
    public byte TemporalId { get; init; }
    /// <summary>Y: layer sync; this frame depends only on the base temporal layer.</summary>
    public bool LayerSync { get; init; }
    public bool HasKeyIndex { get; init; }
    public byte KeyIndex { get; init; }
    /// <summary>Starts a key frame: S = 1, PID = 0, P = 0 in the payload header.</summary>
    public bool IsKeyframe { get; init; }
    /// <summary>Key frame size from the key frame header (§4.3, RFC 6386 §9.1), 0 when not read.</summary>
    public ushort Width { get; init; }
    public ushort Height { get; init; }
    /// <summary>Offset of the picture id in the payload, -1 when absent.</summary>
    public int PictureIdOffset { get; init; }
    /// <summary>Offset of TL0PICIDX in the payload, -1 when absent.</summary>
    public int Tl0PicIdxOffset { get; init; }

    public bool HasPictureId => PictureIdLength != 0;

    /// <summary>Reads the descriptor of <paramref name="payload"/> (the RTP payload, after the RTP header).</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out Vp8Descriptor descriptor, out CodecError error)
    {
        descriptor = default;
        if (payload.Length < 1)
        {
            error = CodecError.TooShort;
            return false;
        }

        byte first = payload[0];
        bool extended = (first & 0x80) != 0;
        bool nonReference = (first & 0x20) != 0;
        bool start = (first & 0x10) != 0;
        byte partition = (byte)(first & 0x07);
        int at = 1;
        byte pictureIdLength = 0;
        ushort pictureId = 0;
        int pictureIdOffset = -1, tl0Offset = -1;
        bool hasTl0 = false, hasTid = false, hasKeyIdx = false, sync = false;
        byte tl0 = 0, tid = 0, keyIdx = 0;

        if (extended)
        {
            if (payload.Length < 2)
            {
                error = CodecError.Truncated;
                return false;
            }
            byte x = payload[at++];
            bool i = (x & 0x80) != 0;
            hasTl0 = (x & 0x40) != 0;
            hasTid = (x & 0x20) != 0;
            hasKeyIdx = (x & 0x10) != 0;
            if (i)
            {
                if (payload.Length < at + 1)
                {
                    error = CodecError.Truncated;
                    return false;
                }
                pictureIdOffset = at;
                if ((payload[at] & 0x80) != 0)
                {
                    if (payload.Length < at + 2)
                    {
                        error = CodecError.Truncated;
                        return false;
                    }
                    pictureId = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(payload[at..]) & 0x7FFF);
                    pictureIdLength = 2;
                    at += 2;
                }
                else
                {
                    pictureId = (ushort)(payload[at] & 0x7F);
                    pictureIdLength = 1;
                    at += 1;
                }
            }
            if (hasTl0)
            {
                if (payload.Length < at + 1)
                {
                    error = CodecError.Truncated;
                    return false;
                }
                tl0Offset = at;
                tl0 = payload[at++];
            }
            if (hasTid || hasKeyIdx)
            {
                if (payload.Length < at + 1)
                {
                    error = CodecError.Truncated;
                    return false;
                }
                byte tk = payload[at++];
                if (hasTid)
                {
                    tid = (byte)(tk >> 6);
                    sync = (tk & 0x20) != 0;
                }
                if (hasKeyIdx)
                    keyIdx = (byte)(tk & 0x1F);
            }
        }

        // §4.3: the payload header is present only at the start of partition 0 (the start of a frame).
        bool keyframe = false;
        ushort width = 0, height = 0;
        if (start && partition == 0 && payload.Length > at)
        {
            keyframe = (payload[at] & 0x01) == 0;
            // Key frame header: 3-byte frame tag, start code 9D 01 2A, 14-bit width and height (RFC 6386 §9.1).
            var header = payload[at..];
            if (keyframe && header.Length >= 10 && header[3] == 0x9D && header[4] == 0x01 && header[5] == 0x2A)
            {
                width = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(header[6..]) & 0x3FFF);
                height = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(header[8..]) & 0x3FFF);
            }
        }

        descriptor = new Vp8Descriptor
        {
            Length = at,
            NonReference = nonReference,
            StartOfPartition = start,
            PartitionId = partition,
            PictureIdLength = pictureIdLength,
            PictureId = pictureId,
            HasTl0PicIdx = hasTl0,
            Tl0PicIdx = tl0,
            HasTemporalId = hasTid,
            TemporalId = tid,
            LayerSync = sync,
            HasKeyIndex = hasKeyIdx,
            KeyIndex = keyIdx,
            IsKeyframe = keyframe,
            Width = width,
            Height = height,
            PictureIdOffset = pictureIdOffset,
            Tl0PicIdxOffset = tl0Offset,
        };
        error = CodecError.None;
        return true;
    }

    /// <summary>
    /// Rewrites the picture id and TL0PICIDX in place at the offsets this descriptor was read from. A 7-bit
    /// picture id keeps its width (the value is taken mod 128); a 15-bit one mod 32768. Fields the packet does
    /// not carry are left alone. False when <paramref name="payload"/> is shorter than the descriptor.
    /// </summary>
    public bool TryRewrite(Span<byte> payload, ushort pictureId, byte tl0PicIdx)
    {
        if (payload.Length < Length)
            return false;
        if (PictureIdLength == 2)
            BinaryPrimitives.WriteUInt16BigEndian(payload[PictureIdOffset..], (ushort)(0x8000 | (pictureId & 0x7FFF)));
        else if (PictureIdLength == 1)
            payload[PictureIdOffset] = (byte)(pictureId & 0x7F);
        if (HasTl0PicIdx)
            payload[Tl0PicIdxOffset] = tl0PicIdx;
        return true;
    }
}
