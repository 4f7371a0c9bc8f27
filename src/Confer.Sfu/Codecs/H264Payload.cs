using System.Buffers.Binary;

namespace Confer.Sfu.Codecs;

/// <summary>How an H.264 RTP payload is packetized (RFC 6184 §5.2, Table 1).</summary>
internal enum H264Packetization : byte
{
    /// <summary>NAL unit types 1–23: one NAL unit (§5.6).</summary>
    SingleNal,
    /// <summary>Type 24: several NAL units with 16-bit sizes (§5.7.1).</summary>
    StapA,
    /// <summary>Type 28: one fragment of a NAL unit (§5.8).</summary>
    FuA,
}

/// <summary>
/// What a forwarder needs from an H.264 RTP payload (RFC 6184): whether it carries a key frame (an IDR
/// slice or an SPS, the way browsers start one) and where a frame starts.
/// <code>
///  NAL unit header (§1.3):      |F|NRI|  Type   |
///  Single NAL (§5.6):           [NAL header][NAL payload ...]
///  STAP-A (§5.7.1):             [F|NRI|24][size 16][NAL 1 ...][size 16][NAL 2 ...] ...
///  FU-A (§5.8):                 [F|NRI|28][S|E|R| Type][fragment ...]
/// </code>
/// </summary>
internal readonly struct H264Payload
{
    public const byte NalIdr = 5;       // coded slice of an IDR picture
    public const byte NalSps = 7;       // sequence parameter set
    public const byte NalPps = 8;       // picture parameter set
    public const byte NalStapA = 24;
    public const byte NalFuA = 28;

    public H264Packetization Packetization { get; init; }
    /// <summary>The NAL type carried: for single NAL the unit's type, for FU-A the fragmented unit's type,
    /// for STAP-A the type of the first aggregated unit.</summary>
    public byte NalType { get; init; }
    /// <summary>Carries an IDR slice (the start fragment, for FU-A) or an SPS.</summary>
    public bool IsKeyframe { get; init; }
    public bool HasSps { get; init; }
    public bool HasPps { get; init; }
    /// <summary>FU-A S bit; true for single NAL and STAP-A.</summary>
    public bool IsStartOfNal { get; init; }
    /// <summary>FU-A E bit; true for single NAL and STAP-A.</summary>
    public bool IsEndOfNal { get; init; }
    /// <summary>Number of NAL units in a STAP-A; 1 otherwise.</summary>
    public int NalCount { get; init; }

    public static bool TryRead(ReadOnlySpan<byte> payload, out H264Payload info, out CodecError error)
    {
        info = default;
        if (payload.Length < 1)
        {
            error = CodecError.TooShort;
            return false;
        }
        byte type = (byte)(payload[0] & 0x1F);
        switch (type)
        {
            case >= 1 and <= 23:
                info = new H264Payload
                {
                    Packetization = H264Packetization.SingleNal,
                    NalType = type,
                    IsKeyframe = type is NalIdr or NalSps,
                    HasSps = type == NalSps,
                    HasPps = type == NalPps,
                    IsStartOfNal = true,
                    IsEndOfNal = true,
                    NalCount = 1,
                };
                error = CodecError.None;
                return true;

            case NalStapA:
                return TryReadStapA(payload, out info, out error);

            case NalFuA:
                if (payload.Length < 2)
                {
                    error = CodecError.Truncated;
                    return false;
                }
                byte fu = payload[1];
                bool s = (fu & 0x80) != 0, e = (fu & 0x40) != 0;
                byte inner = (byte)(fu & 0x1F);
                if (s && e)
                {
                    // §5.8: a start fragment cannot also be the end fragment.
                    error = CodecError.Malformed;
                    return false;
                }
                info = new H264Payload
                {
                    Packetization = H264Packetization.FuA,
                    NalType = inner,
                    IsKeyframe = s && (inner == NalIdr || inner == NalSps),
                    HasSps = s && inner == NalSps,
                    HasPps = s && inner == NalPps,
                    IsStartOfNal = s,
                    IsEndOfNal = e,
                    NalCount = 1,
                };
                error = CodecError.None;
                return true;

            case 0:
            case 30:
            case 31:
                error = CodecError.Malformed; // reserved / undefined (Table 1)
                return false;

            default:
                error = CodecError.Unsupported; // STAP-B 25, MTAP16 26, MTAP24 27, FU-B 29
                return false;
        }
    }

    private static bool TryReadStapA(ReadOnlySpan<byte> payload, out H264Payload info, out CodecError error)
    {
        info = default;
        var rest = payload[1..];
        int count = 0;
        byte firstType = 0;
        bool sps = false, pps = false, idr = false;
        if (rest.IsEmpty)
        {
            error = CodecError.Truncated;
            return false;
        }
        while (!rest.IsEmpty)
        {
            if (rest.Length < 2)
            {
                error = CodecError.Truncated;
                return false;
            }
            int size = BinaryPrimitives.ReadUInt16BigEndian(rest);
            if (size == 0)
            {
                error = CodecError.Malformed;
                return false;
            }
            if (rest.Length < 2 + size)
            {
                error = CodecError.Truncated;
                return false;
            }
            byte nal = (byte)(rest[2] & 0x1F);
            if (count == 0)
                firstType = nal;
            sps |= nal == NalSps;
            pps |= nal == NalPps;
            idr |= nal == NalIdr;
            count++;
            rest = rest[(2 + size)..];
        }
        info = new H264Payload
        {
            Packetization = H264Packetization.StapA,
            NalType = firstType,
            IsKeyframe = sps || idr,
            HasSps = sps,
            HasPps = pps,
            IsStartOfNal = true,
            IsEndOfNal = true,
            NalCount = count,
        };
        error = CodecError.None;
        return true;
    }
}
