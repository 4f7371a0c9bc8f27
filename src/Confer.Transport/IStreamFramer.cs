namespace Confer.Transport;

/// <summary>
/// How the protocol above cuts a byte stream into frames (TURN: STUN messages and ChannelData, RFC 8489 §6.2.2,
/// RFC 8656 §12.5): the stream transports ask it, the protocol answers. Called once per frame, so implementations are
/// small sealed classes without state.
/// </summary>
public interface IStreamFramer
{
    /// <summary>The largest frame: what a reader may have to hold at once.</summary>
    int MaxFrameLength { get; }

    /// <summary>Bytes <see cref="TryGetFrameLength"/> needs at least to tell a frame's length (a frame is never shorter; a few bytes, at most 32).</summary>
    int HeaderLength { get; }

    /// <summary>
    /// Looks at the head of a stream buffer. True with the length of the frame there when all of it is in
    /// <paramref name="buffer"/>; false with <paramref name="needMore"/> when more bytes are needed (the length is already
    /// known once <see cref="HeaderLength"/> bytes are in); false without it when the stream is not this protocol.
    /// </summary>
    bool TryGetFrameLength(ReadOnlySpan<byte> buffer, out int frameLength, out bool needMore);
}
