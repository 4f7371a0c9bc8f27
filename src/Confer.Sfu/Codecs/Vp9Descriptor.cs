using System.Buffers.Binary;

namespace Confer.Sfu.Codecs;

/// <summary>
/// The VP9 payload descriptor (RFC 9628 §4.2) with its scalability structure (§4.2.1) walked for length.
/// <code>
///        0 1 2 3 4 5 6 7
///       +-+-+-+-+-+-+-+-+
///       |I|P|L|F|B|E|V|Z| (REQUIRED)
///       +-+-+-+-+-+-+-+-+
///  I:   |M| PICTURE ID  | (7 bits, or 15 with M = 1)
///  M:   | EXTENDED PID  |
///       +-+-+-+-+-+-+-+-+
///  L:   | TID |U| SID |D|
///       +-+-+-+-+-+-+-+-+
///       |   TL0PICIDX   | (only when F = 0)
///       +-+-+-+-+-+-+-+-+
///  P,F: | P_DIFF      |N| (1 to 3 times, only when F = 1 and P = 1)
///       +-+-+-+-+-+-+-+-+
///  V:   | N_S |Y|G|-|-|-|  then (N_S+1) x [WIDTH 16][HEIGHT 16] if Y,
///       +-+-+-+-+-+-+-+-+  then N_G and N_G x [TID|U|R|-|-] + R x P_DIFF if G
/// </code>
/// A key frame starts where P = 0 (no inter-picture reference), B = 1 (start of a frame) and the
/// spatial layer is the base one (SID = 0, or no layer indices).
/// </summary>
internal readonly struct Vp9Descriptor
{
    private const int MaxPDiffs = 3;

    /// <summary>Bytes of descriptor before the VP9 payload.</summary>
    public int Length { get; init; }
    public bool HasPictureId { get; init; }
    /// <summary>Picture id is 15 bits (M = 1).</summary>
    public bool LongPictureId { get; init; }
    public ushort PictureId { get; init; }
    /// <summary>P: inter-picture predicted.</summary>
    public bool InterPicturePredicted { get; init; }
    /// <summary>L: TID/U/SID/D are present.</summary>
    public bool HasLayerIndices { get; init; }
    /// <summary>F: flexible mode.</summary>
    public bool FlexibleMode { get; init; }
    /// <summary>B: start of a frame.</summary>
    public bool StartOfFrame { get; init; }
    /// <summary>E: end of a frame.</summary>
    public bool EndOfFrame { get; init; }
    /// <summary>V: a scalability structure follows.</summary>
    public bool HasScalabilityStructure { get; init; }
    /// <summary>Z: not used for inter-layer prediction by higher spatial layers.</summary>
    public bool NotReferencedUpward { get; init; }
    public byte TemporalId { get; init; }
    /// <summary>U: switching up point.</summary>
    public bool SwitchingUpPoint { get; init; }
    public byte SpatialId { get; init; }
    /// <summary>D: depends on the spatial layer below.</summary>
    public bool InterLayerDependency { get; init; }
    public bool HasTl0PicIdx { get; init; }
    public byte Tl0PicIdx { get; init; }
    /// <summary>Number of spatial layers announced by the scalability structure (N_S + 1); 0 without one.</summary>
    public byte SpatialLayers { get; init; }
    /// <summary>Width and height of the highest spatial layer from the scalability structure, 0 if absent.</summary>
    public ushort Width { get; init; }
    public ushort Height { get; init; }
    public bool IsKeyframe { get; init; }

    public static bool TryRead(ReadOnlySpan<byte> payload, out Vp9Descriptor descriptor, out CodecError error)
    {
        descriptor = default;
        if (payload.Length < 1)
        {
            error = CodecError.TooShort;
            return false;
        }
        byte first = payload[0];
        bool i = (first & 0x80) != 0, p = (first & 0x40) != 0, l = (first & 0x20) != 0, f = (first & 0x10) != 0;
        bool b = (first & 0x08) != 0, e = (first & 0x04) != 0, v = (first & 0x02) != 0, z = (first & 0x01) != 0;
        int at = 1;
        bool longPid = false;
        ushort pid = 0;
        byte tid = 0, sid = 0, tl0 = 0;
        bool u = false, d = false;
        error = CodecError.Truncated;

        if (i)
        {
            if (payload.Length < at + 1)
                return false;
            longPid = (payload[at] & 0x80) != 0;
            if (longPid)
            {
                if (payload.Length < at + 2)
                    return false;
                pid = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(payload[at..]) & 0x7FFF);
                at += 2;
            }
            else
            {
                pid = (ushort)(payload[at] & 0x7F);
                at += 1;
            }
        }
        if (l)
        {
            if (payload.Length < at + 1)
                return false;
            byte layer = payload[at++];
            tid = (byte)(layer >> 5);
            u = (layer & 0x10) != 0;
            sid = (byte)((layer >> 1) & 0x07);
            d = (layer & 0x01) != 0;
            if (!f)
            {
                if (payload.Length < at + 1)
                    return false;
                tl0 = payload[at++];
            }
        }
        if (f && p)
        {
            for (int n = 0; ; n++)
            {
                if (n == MaxPDiffs)
                {
                    error = CodecError.Malformed; // §4.2: at most three reference indices
                    return false;
                }
                if (payload.Length < at + 1)
                    return false;
                bool more = (payload[at++] & 0x01) != 0;
                if (!more)
                    break;
            }
        }
        byte spatialLayers = 0;
        ushort width = 0, height = 0;
        if (v && !TryReadScalabilityStructure(payload, ref at, out spatialLayers, out width, out height, out error))
            return false;

        descriptor = new Vp9Descriptor
        {
            Length = at,
            HasPictureId = i,
            LongPictureId = longPid,
            PictureId = pid,
            InterPicturePredicted = p,
            HasLayerIndices = l,
            FlexibleMode = f,
            StartOfFrame = b,
            EndOfFrame = e,
            HasScalabilityStructure = v,
            NotReferencedUpward = z,
            TemporalId = tid,
            SwitchingUpPoint = u,
            SpatialId = sid,
            InterLayerDependency = d,
            HasTl0PicIdx = l && !f,
            Tl0PicIdx = tl0,
            SpatialLayers = spatialLayers,
            Width = width,
            Height = height,
            IsKeyframe = !p && b && (!l || sid == 0),
        };
        error = CodecError.None;
        return true;
    }

    /// <summary>§4.2.1: walks the SS to find where the payload starts; keeps the top layer's size.</summary>
    private static bool TryReadScalabilityStructure(ReadOnlySpan<byte> payload, ref int at, out byte spatialLayers,
        out ushort width, out ushort height, out CodecError error)
    {
        spatialLayers = 0;
        width = height = 0;
        error = CodecError.Truncated;
        if (payload.Length < at + 1)
            return false;
        byte ss = payload[at++];
        int layers = (ss >> 5) + 1;
        bool y = (ss & 0x10) != 0, g = (ss & 0x08) != 0;
        if (y)
        {
            if (payload.Length < at + 4 * layers)
                return false;
            for (int n = 0; n < layers; n++, at += 4)
            {
                width = BinaryPrimitives.ReadUInt16BigEndian(payload[at..]);
                height = BinaryPrimitives.ReadUInt16BigEndian(payload[(at + 2)..]);
            }
        }
        if (g)
        {
            if (payload.Length < at + 1)
                return false;
            int groups = payload[at++];
            for (int n = 0; n < groups; n++)
            {
                if (payload.Length < at + 1)
                    return false;
                int references = (payload[at++] >> 2) & 0x03;
                if (payload.Length < at + references)
                    return false;
                at += references;
            }
        }
        spatialLayers = (byte)layers;
        error = CodecError.None;
        return true;
    }
}
