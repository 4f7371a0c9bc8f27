using System.Buffers.Binary;
using Confer.Turn.Transport;

namespace Confer.Turn.Handlers;

/// <summary>
/// Client → peer on a channel (RFC 8656 §12.6): the hot path, no allocations, no answer. The header is
/// read here rather than with the codec's ChannelData so RFC 5766 channel numbers (up to 0x7FFF) pass.
/// </summary>
internal sealed class ChannelDataHandler(TurnContext turn)
{
    public void Handle(ReadOnlySpan<byte> packet, in PacketContext context)
    {
        ushort number = BinaryPrimitives.ReadUInt16BigEndian(packet);
        int length = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (!TurnAttributes.IsChannelNumber(number) || packet.Length - 4 < length) { turn.Metrics.Dropped("malformed"); return; }
        if (!turn.Allocations.TryGet(context.Tuple, out var allocation)) { turn.Metrics.Dropped("no_allocation"); return; }
        long now = allocation.Now;
        if (!allocation.TryGetChannel(number, now, out var channel) || !allocation.IsPermitted(channel.Peer, now))
        {
            turn.Metrics.Dropped("no_channel");
            return;
        }
        allocation.SendToPeer(packet.Slice(4, length), channel.PeerSocketAddress);
    }
}
