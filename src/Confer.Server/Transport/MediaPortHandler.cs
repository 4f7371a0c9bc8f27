using Confer.Sfu.Ice;
using Confer.Transport;
using Confer.Transport.Classification;

namespace Confer.Server.Transport;

/// <summary>
/// What the UDP port hands every datagram to, in front of TURN (one port for TURN and media, RFC 7983 §7):
/// <list type="bullet">
/// <item>a STUN Binding request whose USERNAME starts with the ufrag of an ICE session goes to <see cref="IceCheckHandler"/>
/// (RFC 8445 §7.3);</item>
/// <item>DTLS, RTP and RTCP from a client 5-tuple that passed a check go to the SFU's <see cref="IMediaPacketSink"/>;</item>
/// <item>everything else (TURN's STUN, ChannelData, strangers' DTLS/RTP, garbage) to TURN, unchanged.</item>
/// </list>
/// TCP and TLS connections carry TURN framing (RFC 8489 §6.2.2), not ICE-TCP's (RFC 4571): they go to TURN as they did.
/// </summary>
internal sealed class MediaPortHandler(IPacketHandler turn, IceCheckHandler ice, IceSessionTable sessions, IMediaPacketSink media) : IPacketHandler
{
    public void OnPacket(ReadOnlySpan<byte> packet, in PacketContext context)
    {
        if (context.Sink.Transport == ClientTransport.Udp)
        {
            var kind = PacketClassifier.Classify(packet);
            if (kind == PacketKind.Stun)
            {
                if (ice.Handle(packet, context) != IceCheckResult.NotIce) return;
            }
            else if (kind is PacketKind.Dtls or PacketKind.Rtp or PacketKind.Rtcp && sessions.TryGetPath(context.Tuple, out var path))
            {
                media.OnPacket(path, kind, packet, context);
                return;
            }
        }
        turn.OnPacket(packet, context);
    }

    public void OnConnectionClosed(in FiveTuple tuple)
    {
        sessions.RemovePath(tuple);
        turn.OnConnectionClosed(tuple);
    }
}
