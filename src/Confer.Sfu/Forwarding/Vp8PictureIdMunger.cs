using Confer.Sfu.Codecs;

namespace Confer.Sfu.Forwarding;

/// <summary>
/// Keeps a subscriber's VP8 picture ids and TL0PICIDX continuous across simulcast switches (RFC 7741 §4.2:
/// the receiver uses the picture id to detect lost frames and TL0PICIDX to tie temporal layers to their base
/// frame; each simulcast layer numbers its own). At a switch the new layer's first frame gets the last
/// outgoing values + 1; after it, the layer's own increments (and reorders) carry through. The descriptor is
/// rewritten in place; the width of the packet's picture id (7 or 15 bits) is kept.
/// </summary>
internal sealed class Vp8PictureIdMunger
{
    private bool _started;
    private ushort _lastInPictureId;
    private ushort _lastOutPictureId;
    private byte _lastInTl0;
    private byte _lastOutTl0;

    /// <summary>
    /// Rewrites a forwarded packet's descriptor. <paramref name="switched"/>: this packet is the first of a new source
    /// (<see cref="RewriteOutcome.Switched"/>). Returns the values written, for retransmissions to repeat.
    /// </summary>
    public bool TryRewrite(Span<byte> payload, in Vp8Descriptor descriptor, bool switched, out ushort pictureId, out byte tl0PicIdx)
    {
        pictureId = 0;
        tl0PicIdx = 0;
        if (!descriptor.HasPictureId && !descriptor.HasTl0PicIdx)
            return false;
        ushort inPictureId = descriptor.PictureId;
        byte inTl0 = descriptor.Tl0PicIdx;
        if (switched || !_started)
        {
            pictureId = _started ? (ushort)((_lastOutPictureId + 1) & 0x7FFF) : inPictureId;
            tl0PicIdx = _started ? (byte)(_lastOutTl0 + 1) : inTl0;
            _started = true;
            _lastInPictureId = inPictureId;
            _lastOutPictureId = pictureId;
            _lastInTl0 = inTl0;
            _lastOutTl0 = tl0PicIdx;
        }
        else
        {
            int mask = descriptor.PictureIdLength == 1 ? 0x7F : 0x7FFF;
            int delta = (inPictureId - _lastInPictureId) & mask;
            if (delta > mask / 2)
                delta -= mask + 1;
            pictureId = (ushort)((_lastOutPictureId + delta) & 0x7FFF);
            if (descriptor.HasPictureId && delta > 0)
            {
                _lastInPictureId = inPictureId;
                _lastOutPictureId = pictureId;
            }
            int tl0Delta = (sbyte)(byte)(inTl0 - _lastInTl0);
            tl0PicIdx = (byte)(_lastOutTl0 + tl0Delta);
            if (descriptor.HasTl0PicIdx && tl0Delta > 0)
            {
                _lastInTl0 = inTl0;
                _lastOutTl0 = tl0PicIdx;
            }
        }
        return descriptor.TryRewrite(payload, pictureId, tl0PicIdx);
    }
}
