using Confer.Transport.Classification;

namespace Confer.Sfu.Ice;

/// <summary>
/// Where DTLS, RTP and RTCP from a client 5-tuple that passed an ICE check go (RFC 7983 §7 tells them apart by the first
/// byte). The SFU implements it; the packet is a view over a reused receive buffer, valid only during the call.
/// </summary>
public interface IMediaPacketSink
{
    /// <summary>One datagram of <paramref name="kind"/> (Dtls, Rtp or Rtcp) from <paramref name="path"/>. Must not throw.</summary>
    void OnPacket(IcePath path, PacketKind kind, ReadOnlySpan<byte> packet, in PacketContext context);
}

/// <summary>The sink until the SFU has one: drops every packet and counts them.</summary>
public sealed class DroppingMediaPacketSink : IMediaPacketSink
{
    private long _dropped;

    /// <summary>Packets dropped so far.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void OnPacket(IcePath path, PacketKind kind, ReadOnlySpan<byte> packet, in PacketContext context) => Interlocked.Increment(ref _dropped);
}
