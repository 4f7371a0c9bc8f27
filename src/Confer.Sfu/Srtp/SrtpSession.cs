using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Confer.Sfu.Srtp;

/// <summary>Which way a <see cref="SrtpSession"/> works: it either protects what we send or unprotects what we receive.</summary>
internal enum SrtpDirection
{
    /// <summary>Outbound: RTP/RTCP in, SRTP/SRTCP out.</summary>
    Protect,

    /// <summary>Inbound: SRTP/SRTCP in, RTP/RTCP out.</summary>
    Unprotect,
}

/// <summary>
/// One direction's SRTP and SRTCP cryptographic contexts (RFC 3711 §3.2) for one DTLS-SRTP
/// association: session keys derived once at construction, plus per-SSRC state (ROC and highest
/// sequence number, a 128-packet replay window, the SRTCP index and its replay window).
/// <para>
/// Packets are transformed in place. RTP header as read here (RFC 3550 §5.1, §5.3.1):
/// <code>
///  0                   1                   2                   3
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// |                           timestamp                           |
/// |                             SSRC                              |
/// |                 CSRC list (CC x 32 bits) ...                  |
/// |  profile-defined (16 bits)    |   length in 32-bit words      |  if X
/// |                 header extension ...                          |
/// |  payload ...  (the only part encrypted)                       |
/// </code>
/// </para>
/// <para>
/// Headroom: a protect call needs <see cref="SrtpProfiles.RtpOverhead"/> (10 or 16) free bytes after
/// an RTP packet and <see cref="SrtpProfiles.RtcpOverhead"/> (14 or 20) after an RTCP packet;
/// <see cref="SrtpProfiles.MaxProtectOverhead"/> (20) covers every case.
/// </para>
/// <para>
/// At most <c>maxSsrcs</c> SSRCs are tracked (default <see cref="DefaultMaxSsrcs"/>); a packet with a
/// new SSRC beyond that is refused with <see cref="SrtpError.TooManySsrcs"/>. On the unprotect side an
/// SSRC is only remembered once one of its packets authenticated, so forged packets cannot fill the table.
/// </para>
/// Not thread-safe: one owner (the transport's receive or send loop) at a time. Nothing on the
/// per-packet path allocates once an SSRC is known.
/// </summary>
internal sealed partial class SrtpSession : IDisposable
{
    /// <summary>SSRCs tracked per session unless told otherwise: enough for a subscriber of a large room (audio, video and RTX per remote track).</summary>
    public const int DefaultMaxSsrcs = 512;

    private readonly SrtpCipher rtp;
    private readonly SrtpCipher rtcp;
    private readonly Dictionary<uint, SrtpStreamState> streams;
    private readonly int maxSsrcs;

    /// <summary>Derives the SRTP and SRTCP session keys from <paramref name="masterKey"/> (RFC 3711 §4.3, RFC 7714 §11).</summary>
    public SrtpSession(SrtpMasterKey masterKey, SrtpDirection direction, int maxSsrcs = DefaultMaxSsrcs)
        : this(
            masterKey.Profile,
            direction,
            CreateCipher(masterKey, rtcp: false),
            CreateCipher(masterKey, rtcp: true),
            maxSsrcs)
    {
    }

    /// <summary>Builds a session around ready-made contexts (the RFC 7714 vectors give session keys directly).</summary>
    internal SrtpSession(SrtpProfile profile, SrtpDirection direction, SrtpCipher rtp, SrtpCipher rtcp, int maxSsrcs = DefaultMaxSsrcs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSsrcs, 1);
        Profile = profile;
        Direction = direction;
        this.rtp = rtp;
        this.rtcp = rtcp;
        this.maxSsrcs = maxSsrcs;
        streams = new Dictionary<uint, SrtpStreamState>(Math.Min(maxSsrcs, 16));
    }

    /// <summary>The protection profile.</summary>
    public SrtpProfile Profile { get; }

    /// <summary>Protect or unprotect.</summary>
    public SrtpDirection Direction { get; }

    /// <summary>How many SSRCs the session currently tracks.</summary>
    public int SsrcCount => streams.Count;

    /// <summary>
    /// Protects the RTP packet <c>buffer[..length]</c> in place (RFC 3711 §3.3, RFC 7714 §8.2): the
    /// payload after header, CSRCs and extension is encrypted and the tag appended. <paramref name="buffer"/>
    /// must have <see cref="SrtpProfiles.RtpOverhead"/> bytes of room after <paramref name="length"/>.
    /// The packet index is the sequence number extended with the ROC; reusing an index (which would
    /// reuse keystream) is refused with <see cref="SrtpError.Replayed"/> or <see cref="SrtpError.TooOld"/>.
    /// </summary>
    public bool TryProtectRtp(Span<byte> buffer, int length, out int newLength, out SrtpError error)
    {
        RequireDirection(SrtpDirection.Protect);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, (uint)buffer.Length, nameof(length));
        newLength = 0;
        if (!TryReadRtpHeader(buffer[..length], out int headerLength, out uint ssrc, out ushort seq, out error))
        {
            return false;
        }

        if (buffer.Length - length < rtp.TagLength)
        {
            error = SrtpError.BufferTooSmall;
            return false;
        }

        ref SrtpStreamState state = ref GetOrAddStream(ssrc, out error);
        if (error != SrtpError.None)
        {
            return false;
        }

        long index = state.Rtp.EstimateRtpIndex(seq);
        error = state.Rtp.Check(index, SrtpReplayWindow.MaxRtpIndex);
        if (error != SrtpError.None)
        {
            return false;
        }

        rtp.ProtectRtp(buffer, headerLength, length, ssrc, (ulong)index);
        state.Rtp.Accept(index);
        newLength = length + rtp.TagLength;
        return true;
    }

    /// <summary>
    /// Verifies and decrypts the SRTP packet <c>buffer[..length]</c> in place (RFC 3711 §3.3 steps
    /// 1-6, RFC 7714 §8.3). The ROC is estimated per RFC 3711 Appendix A; replayed and too-old
    /// indices are refused before any cryptography. State advances only for packets that authenticate.
    /// </summary>
    public bool TryUnprotectRtp(Span<byte> buffer, int length, out int newLength, out SrtpError error)
    {
        RequireDirection(SrtpDirection.Unprotect);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, (uint)buffer.Length, nameof(length));
        newLength = 0;
        int tag = rtp.TagLength;
        if (length < 12 + tag)
        {
            error = SrtpError.TooShort;
            return false;
        }

        int authenticatedLength = length - tag;
        if (!TryReadRtpHeader(buffer[..authenticatedLength], out int headerLength, out uint ssrc, out ushort seq, out error))
        {
            return false;
        }

        ref SrtpStreamState state = ref CollectionsMarshal.GetValueRefOrNullRef(streams, ssrc);
        bool known = !Unsafe.IsNullRef(ref state);
        if (!known && streams.Count >= maxSsrcs)
        {
            error = SrtpError.TooManySsrcs;
            return false;
        }

        SrtpReplayWindow window = known ? state.Rtp : default;
        long index = window.EstimateRtpIndex(seq);
        error = window.Check(index, SrtpReplayWindow.MaxRtpIndex);
        if (error != SrtpError.None)
        {
            return false;
        }

        if (!rtp.UnprotectRtp(buffer, headerLength, authenticatedLength, ssrc, (ulong)index))
        {
            error = SrtpError.AuthenticationFailed;
            return false;
        }

        if (known)
        {
            state.Rtp.Accept(index);
        }
        else
        {
            var fresh = default(SrtpStreamState);
            fresh.Rtp.Accept(index);
            streams.Add(ssrc, fresh);
        }

        newLength = authenticatedLength;
        return true;
    }

    /// <summary>The ROC and highest sequence number known for an SSRC's SRTP stream (for RTCP and diagnostics).</summary>
    public bool TryGetRtpIndex(uint ssrc, out uint roc, out ushort highestSequence)
    {
        if (streams.TryGetValue(ssrc, out SrtpStreamState state) && state.Rtp.Started)
        {
            roc = state.Rtp.Roc;
            highestSequence = (ushort)state.Rtp.Highest;
            return true;
        }

        roc = 0;
        highestSequence = 0;
        return false;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        rtp.Dispose();
        rtcp.Dispose();
    }

    /// <summary>
    /// Reads what SRTP needs from an RTP header: its length (fixed part, CSRCs, extension), SSRC and
    /// sequence number. Every length is checked against <paramref name="packet"/> before it is read.
    /// </summary>
    internal static bool TryReadRtpHeader(ReadOnlySpan<byte> packet, out int headerLength, out uint ssrc, out ushort sequence, out SrtpError error)
    {
        headerLength = 0;
        ssrc = 0;
        sequence = 0;
        if (packet.Length < 12)
        {
            error = SrtpError.TooShort;
            return false;
        }

        byte first = packet[0];
        if (first >> 6 != 2)
        {
            error = SrtpError.Malformed;
            return false;
        }

        int length = 12 + 4 * (first & 0x0F);
        if ((first & 0x10) != 0)
        {
            if (packet.Length < length + 4)
            {
                error = SrtpError.Malformed;
                return false;
            }

            length += 4 + 4 * BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(length + 2, 2));
        }

        if (length > packet.Length)
        {
            error = SrtpError.Malformed;
            return false;
        }

        headerLength = length;
        sequence = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);
        error = SrtpError.None;
        return true;
    }

    private static SrtpCipher CreateCipher(SrtpMasterKey masterKey, bool rtcp) => masterKey.Profile switch
    {
        SrtpProfile.Aes128CmHmacSha1Tag80 => SrtpAesCmCipher.Derive(masterKey, rtcp),
        SrtpProfile.AeadAes128Gcm => SrtpAesGcmCipher.Derive(masterKey, rtcp),
        _ => throw new ArgumentException($"Unknown SRTP profile {masterKey.Profile}.", nameof(masterKey)),
    };

    /// <summary>The state of a sending SSRC, created on first use while the cap allows.</summary>
    private ref SrtpStreamState GetOrAddStream(uint ssrc, out SrtpError error)
    {
        ref SrtpStreamState state = ref CollectionsMarshal.GetValueRefOrNullRef(streams, ssrc);
        if (!Unsafe.IsNullRef(ref state))
        {
            error = SrtpError.None;
            return ref state;
        }

        if (streams.Count >= maxSsrcs)
        {
            error = SrtpError.TooManySsrcs;
            return ref state;
        }

        error = SrtpError.None;
        return ref CollectionsMarshal.GetValueRefOrAddDefault(streams, ssrc, out _);
    }

    private void RequireDirection(SrtpDirection wanted)
    {
        if (Direction != wanted)
        {
            throw new InvalidOperationException($"This SRTP session is for {Direction}; it cannot {wanted}.");
        }
    }
}
