namespace Confer.Sfu.Srtp;

/// <summary>
/// The highest packet index seen in one direction of one SSRC and a 128-packet sliding window
/// behind it (RFC 3711 §3.3.2; the RFC asks for at least 64). Serves SRTP's 48-bit index (with
/// the rollover estimate of RFC 3711 Appendix A) and SRTCP's 31-bit index.
/// A window is only advanced by <see cref="Accept"/>, after the packet authenticated.
/// </summary>
internal struct SrtpReplayWindow
{
    /// <summary>Packets remembered behind the highest index.</summary>
    public const int Size = 128;

    /// <summary>Largest SRTP packet index: ROC (32 bits) and SEQ (16 bits), RFC 3711 §3.3.1.</summary>
    public const long MaxRtpIndex = (1L << 48) - 1;

    private bool started;
    private ulong highest;
    private UInt128 seen; // bit k set: index (highest - k) was accepted

    /// <summary>The highest accepted index; meaningless before the first packet.</summary>
    public readonly ulong Highest => highest;

    /// <summary>The rollover counter of the highest accepted SRTP index.</summary>
    public readonly uint Roc => (uint)(highest >> 16);

    /// <summary>Whether any packet was accepted yet.</summary>
    public readonly bool Started => started;

    /// <summary>
    /// RFC 3711 Appendix A: the packet index of sequence number <paramref name="seq"/>, guessing
    /// the ROC from the highest sequence number s_l seen so far. Returns -1 for a packet from
    /// before ROC 0 and a value above <see cref="MaxRtpIndex"/> when the ROC would overflow.
    /// The first packet of a stream starts it at ROC 0.
    /// </summary>
    public readonly long EstimateRtpIndex(ushort seq)
    {
        if (!started)
        {
            return seq;
        }

        long roc = (long)(highest >> 16);
        int sl = (ushort)highest;
        long v;
        if (sl < 32768)
        {
            v = seq - sl > 32768 ? roc - 1 : roc;
        }
        else
        {
            v = sl - 32768 > seq ? roc + 1 : roc;
        }

        return v < 0 ? -1 : (v << 16) | seq;
    }

    /// <summary>RFC 3711 §3.3.2: is <paramref name="index"/> fresh? Does not change the window.</summary>
    public readonly SrtpError Check(long index, long maxIndex)
    {
        if (index < 0)
        {
            return SrtpError.TooOld;
        }

        if (index > maxIndex)
        {
            return SrtpError.IndexExhausted;
        }

        if (!started)
        {
            return SrtpError.None;
        }

        long delta = index - (long)highest;
        if (delta > 0)
        {
            return SrtpError.None;
        }

        if (-delta >= Size)
        {
            return SrtpError.TooOld;
        }

        return ((seen >> (int)-delta) & UInt128.One) != UInt128.Zero ? SrtpError.Replayed : SrtpError.None;
    }

    /// <summary>Records an authenticated index, sliding the window forward when it is the new highest.</summary>
    public void Accept(long index)
    {
        if (!started)
        {
            started = true;
            highest = (ulong)index;
            seen = UInt128.One;
            return;
        }

        long delta = index - (long)highest;
        if (delta > 0)
        {
            seen = delta >= Size ? UInt128.One : (seen << (int)delta) | UInt128.One;
            highest = (ulong)index;
        }
        else
        {
            seen |= UInt128.One << (int)-delta;
        }
    }
}

/// <summary>Everything a session remembers about one SSRC: SRTP and SRTCP windows and the next SRTCP index to send.</summary>
internal struct SrtpStreamState
{
    /// <summary>SRTP index, ROC and replay window.</summary>
    public SrtpReplayWindow Rtp;

    /// <summary>SRTCP replay window (unprotect side).</summary>
    public SrtpReplayWindow Rtcp;

    /// <summary>The SRTCP index the next protected RTCP packet gets (protect side, RFC 3711 §3.4).</summary>
    public uint NextRtcpIndex;
}
