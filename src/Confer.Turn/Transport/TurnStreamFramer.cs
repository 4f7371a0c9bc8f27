using Confer.Stun;

namespace Confer.Turn.Transport;

/// <summary>
/// How TURN over TCP and TLS cuts its stream (RFC 8489 §6.2.2, RFC 8656 §12.5): STUN messages and ChannelData, by their
/// length fields (<see cref="StunFraming"/>). What the transport's stream readers ask; nothing else.
/// </summary>
public sealed class TurnStreamFramer : IStreamFramer
{
    public static readonly TurnStreamFramer Instance = new();

    /// <summary>The largest frame: a 20-byte header plus 65535 bytes (4 + 65535 rounded up for ChannelData).</summary>
    public int MaxFrameLength => StunMessage.HeaderLength + ushort.MaxValue + 3;

    /// <summary>Type and length: the first 4 bytes of a STUN message or a ChannelData message.</summary>
    public int HeaderLength => 4;

    public bool TryGetFrameLength(ReadOnlySpan<byte> buffer, out int frameLength, out bool needMore) =>
        StunFraming.TryGetFrameLength(buffer, out frameLength, out _, out needMore);
}
