using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Confer.Sfu.Srtp;

/// <summary>
/// SRTCP (RFC 3711 §3.4, RFC 7714 §9). The first RTCP packet of a compound decides the SSRC:
/// <code>
///  0                   1                   2                   3
/// |V=2|P|   RC    |      PT       |            length             |
/// |                  SSRC of sender / packet sender               |
/// |  rest of the compound packet (encrypted) ...                  |
/// |E|                        SRTCP index                          |  (after the tag for GCM)
/// |  authentication tag ...                                       |
/// </code>
/// </summary>
internal sealed partial class SrtpSession
{
    private const uint MaxRtcpIndex = 0x7FFF_FFFF;

    /// <summary>
    /// Protects the RTCP compound packet <c>buffer[..length]</c> in place, always encrypted (E=1).
    /// Needs <see cref="SrtpProfiles.RtcpOverhead"/> bytes of room after <paramref name="length"/>.
    /// Each SSRC's SRTCP index counts up from 0; after 2^31 packets the session must be re-keyed
    /// (<see cref="SrtpError.IndexExhausted"/>).
    /// </summary>
    public bool TryProtectRtcp(Span<byte> buffer, int length, out int newLength, out SrtpError error) =>
        TryProtectRtcp(buffer, length, encrypt: true, out newLength, out error);

    /// <summary>As the public overload; <paramref name="encrypt"/> false gives the authenticated-only form (E=0) the RFC 7714 §17.3 vector uses.</summary>
    internal bool TryProtectRtcp(Span<byte> buffer, int length, bool encrypt, out int newLength, out SrtpError error)
    {
        RequireDirection(SrtpDirection.Protect);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, (uint)buffer.Length, nameof(length));
        newLength = 0;
        if (!TryReadRtcpHeader(buffer[..length], out uint ssrc, out error))
        {
            return false;
        }

        if (buffer.Length - length < rtcp.TagLength + 4)
        {
            error = SrtpError.BufferTooSmall;
            return false;
        }

        ref SrtpStreamState state = ref GetOrAddStream(ssrc, out error);
        if (error != SrtpError.None)
        {
            return false;
        }

        uint index = state.NextRtcpIndex;
        if (index > MaxRtcpIndex)
        {
            error = SrtpError.IndexExhausted;
            return false;
        }

        newLength = rtcp.ProtectRtcp(buffer, length, ssrc, index, encrypt);
        state.NextRtcpIndex = index + 1;
        return true;
    }

    /// <summary>
    /// Verifies and (if its E flag is set) decrypts the SRTCP packet <c>buffer[..length]</c> in place
    /// (RFC 3711 §3.4, RFC 7714 §9.3). Replayed and too-old SRTCP indices are refused before any
    /// cryptography; state advances only for packets that authenticate.
    /// </summary>
    public bool TryUnprotectRtcp(Span<byte> buffer, int length, out int newLength, out SrtpError error)
    {
        RequireDirection(SrtpDirection.Unprotect);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, (uint)buffer.Length, nameof(length));
        newLength = 0;
        int overhead = rtcp.TagLength + 4;
        if (length < 8 + overhead)
        {
            error = SrtpError.TooShort;
            return false;
        }

        if (!TryReadRtcpHeader(buffer[..length], out uint ssrc, out error))
        {
            return false;
        }

        uint word = BinaryPrimitives.ReadUInt32BigEndian(buffer.Slice(rtcp.RtcpTrailerOffset(length), 4));
        bool encrypted = (word & 0x8000_0000u) != 0;
        uint index = word & MaxRtcpIndex;

        ref SrtpStreamState state = ref CollectionsMarshal.GetValueRefOrNullRef(streams, ssrc);
        bool known = !Unsafe.IsNullRef(ref state);
        if (!known && streams.Count >= maxSsrcs)
        {
            error = SrtpError.TooManySsrcs;
            return false;
        }

        SrtpReplayWindow window = known ? state.Rtcp : default;
        error = window.Check(index, MaxRtcpIndex);
        if (error != SrtpError.None)
        {
            return false;
        }

        if (!rtcp.UnprotectRtcp(buffer, length, ssrc, index, encrypted))
        {
            error = SrtpError.AuthenticationFailed;
            return false;
        }

        if (known)
        {
            state.Rtcp.Accept(index);
        }
        else
        {
            var fresh = default(SrtpStreamState);
            fresh.Rtcp.Accept(index);
            streams.Add(ssrc, fresh);
        }

        newLength = length - overhead;
        return true;
    }

    /// <summary>Sets the SRTCP index the next protected packet of <paramref name="ssrc"/> gets (for the RFC vectors).</summary>
    internal void SetNextRtcpIndex(uint ssrc, uint index)
    {
        ref SrtpStreamState state = ref GetOrAddStream(ssrc, out SrtpError error);
        if (error != SrtpError.None)
        {
            throw new InvalidOperationException("The session is full.");
        }

        state.NextRtcpIndex = index;
    }

    private static bool TryReadRtcpHeader(ReadOnlySpan<byte> packet, out uint ssrc, out SrtpError error)
    {
        ssrc = 0;
        if (packet.Length < 8)
        {
            error = SrtpError.TooShort;
            return false;
        }

        if (packet[0] >> 6 != 2)
        {
            error = SrtpError.Malformed;
            return false;
        }

        ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        error = SrtpError.None;
        return true;
    }
}
