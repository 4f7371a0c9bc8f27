namespace Confer.Sfu.Srtp;

/// <summary>
/// One cryptographic context's transform (RFC 3711 §3.2): the session keys of either SRTP or
/// SRTCP for one profile, precomputed at construction. It knows where the bytes go, not which
/// indices are fresh: replay and rollover bookkeeping stay with <see cref="SrtpSession"/>.
/// Not thread-safe: the owning session is used by one thread at a time.
/// </summary>
internal abstract class SrtpCipher : IDisposable
{
    /// <summary>Bytes of authentication tag.</summary>
    public abstract int TagLength { get; }

    /// <summary>
    /// Encrypts <c>packet[headerLength..length]</c> and writes the tag at <c>packet[length..]</c>
    /// (RFC 3711 §3.3, RFC 7714 §8.2). The caller checked the room.
    /// </summary>
    public abstract void ProtectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, ulong index);

    /// <summary>
    /// Verifies the tag at <c>packet[length..length + TagLength]</c> over the header and payload,
    /// then decrypts the payload in place. False when the tag does not verify.
    /// </summary>
    public abstract bool UnprotectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, ulong index);

    /// <summary>
    /// Protects the RTCP compound packet <c>packet[..length]</c> with SRTCP index <paramref name="index"/>;
    /// encrypts everything after the first 8 bytes when <paramref name="encrypt"/> (RFC 3711 §3.4,
    /// RFC 7714 §9). Returns the new length.
    /// </summary>
    public abstract int ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint index, bool encrypt);

    /// <summary>
    /// Verifies and (when the E flag was set) decrypts the SRTCP packet <c>packet[..length]</c>, whose
    /// index and E flag the caller read from <see cref="RtcpTrailerOffset"/>. False when the tag does not verify.
    /// </summary>
    public abstract bool UnprotectRtcp(Span<byte> packet, int length, uint ssrc, uint index, bool encrypted);

    /// <summary>Where the 4-byte E-flag/index word sits in an SRTCP packet of <paramref name="length"/> bytes.</summary>
    public abstract int RtcpTrailerOffset(int length);

    /// <inheritdoc />
    public abstract void Dispose();
}
