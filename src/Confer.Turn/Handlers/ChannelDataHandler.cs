using Confer.Stun;
using Confer.Turn.Transport;

namespace Confer.Turn.Handlers;

/// <summary>
/// Client → peer on a channel (RFC 8656 §12.6): the hot path, no allocations, no answer. RFC 5766 channel
/// numbers (up to 0x7FFF) pass, as ChannelBind accepts them.
/// </summary>
internal sealed class ChannelDataHandler(TurnContext turn)
{
    public void Handle(ReadOnlySpan<byte> packet, in PacketContext context)
    {
        if (!ChannelData.TryRead(packet, rfc5766Range: true, out var message)) { turn.Metrics.Dropped("malformed"); return; }
        ushort number = message.Channel;
        if (!turn.Allocations.TryGet(context.Tuple, out var allocation)) { turn.Metrics.Dropped("no_allocation"); return; }
        long now = allocation.Now;
        if (!allocation.TryGetChannel(number, now, out var channel) || !allocation.IsPermitted(channel.Peer, now))
        {
            turn.Metrics.Dropped("no_channel");
            return;
        }
        allocation.SendToPeer(message.Data, channel.PeerSocketAddress);
    }
}
