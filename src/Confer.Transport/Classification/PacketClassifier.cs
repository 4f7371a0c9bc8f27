namespace Confer.Transport.Classification;

/// <summary>What a datagram carries, by its first byte (RFC 7983 §7).</summary>
public enum PacketKind : byte
{
    /// <summary>None of the ranges below (or an empty datagram): drop it.</summary>
    Unknown,

    /// <summary>0-3: STUN (RFC 8489), TURN's requests and ICE checks.</summary>
    Stun,

    /// <summary>16-19: ZRTP (RFC 6189).</summary>
    Zrtp,

    /// <summary>20-63: DTLS (RFC 9147), the record's content type.</summary>
    Dtls,

    /// <summary>64-79: TURN ChannelData (RFC 8656 §12), channel numbers 0x4000-0x4FFF.</summary>
    ChannelData,

    /// <summary>128-191 with an RTP payload type: RTP (RFC 3550), version 2.</summary>
    Rtp,

    /// <summary>128-191 with an RTCP packet type (192-223 in the second byte, RFC 5761 §4): RTCP.</summary>
    Rtcp,
}

/// <summary>
/// Tells STUN, ZRTP, DTLS, TURN ChannelData and RTP/RTCP apart by the first byte of a datagram, so one UDP port can
/// carry them all (RFC 7983 §7, which updates RFC 5764 §5.1.2):
/// <code>
///                  +----------------+
///                  |        [0..3] -+--> STUN
///                  |      [16..19] -+--> ZRTP
///      packet -->  |      [20..63] -+--> DTLS
///                  |      [64..79] -+--> TURN ChannelData
///                  |    [128..191] -+--> RTP/RTCP
///                  +----------------+
/// </code>
/// RTP and RTCP on one port (RFC 5761 §4) are told apart by the second byte: RTCP packet types 192-223 (200-204 today).
/// One comparison chain on one byte: cheap enough for every datagram.
/// </summary>
public static class PacketClassifier
{
    public static PacketKind Classify(ReadOnlySpan<byte> datagram)
    {
        if (datagram.IsEmpty) return PacketKind.Unknown;
        byte first = datagram[0];
        return first switch
        {
            <= 3 => PacketKind.Stun,
            >= 16 and <= 19 => PacketKind.Zrtp,
            >= 20 and <= 63 => PacketKind.Dtls,
            >= 64 and <= 79 => PacketKind.ChannelData,
            >= 128 and <= 191 => datagram.Length >= 2 && datagram[1] is >= 192 and <= 223 ? PacketKind.Rtcp : PacketKind.Rtp,
            _ => PacketKind.Unknown,
        };
    }
}
