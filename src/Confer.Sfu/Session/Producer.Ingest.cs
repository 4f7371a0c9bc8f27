using Confer.Sfu.Codecs;
using Confer.Sfu.Forwarding;
using Confer.Sfu.Rtp;

namespace Confer.Sfu.Session;

/// <summary>What one media packet is, as the consumers need to know it (read once per packet, not per consumer).</summary>
internal readonly struct FrameInfo
{
    public bool Keyframe { get; init; }
    public int Temporal { get; init; }
    public bool LayerSync { get; init; }
    /// <summary>No payload: padding only (a bandwidth probe); consumers close their sequence over it.</summary>
    public bool Padding { get; init; }
    public bool HasVp8 { get; init; }
    public Vp8Descriptor Vp8 { get; init; }
}

internal sealed partial class Producer : IPacketCacheSource
{
    PacketCache? IPacketCacheSource.Find(uint ssrc) => FindLayer(ssrc)?.Cache;

    /// <summary>
    /// One decrypted RTP packet for this producer (its SSRC or mid already matched). Runs under the publisher
    /// connection's lock; never throws for bad input, never allocates.
    /// </summary>
    internal void OnRtp(Span<byte> bytes, long now)
    {
        if (Closed || !RtpPacket.TryRead(bytes, out var packet, out _))
        {
            Dropped++;
            return;
        }
        int entry = FindSsrc(packet.Ssrc);
        int layerIndex;
        bool isRtx;
        if (entry >= 0)
        {
            layerIndex = _ssrcLayer[entry];
            isRtx = _ssrcIsRtx[entry];
        }
        else if (!TryLearn(in packet, out layerIndex, out isRtx))
        {
            Dropped++;
            return;
        }
        var layer = Layers[layerIndex];
        if (isRtx)
        {
            // RFC 4588 §4: rebuild the original (OSN, media SSRC and PT) so the cache and the consumers see one stream.
            layer.RtxPackets++;
            var restore = Connection.RestoreBuffer;
            if (layer.Ssrc == 0 || Codec.RtxPayloadType is not int rtxPt || packet.PayloadType != rtxPt
                || packet.PayloadLength < Rtx.OsnLength + 1
                || !Rtx.TryRestoreOriginal(in packet, restore, layer.Ssrc, (byte)Codec.PayloadType, out int written, out _)
                || !RtpPacket.TryRead(restore.AsSpan(0, written), out packet, out _))
            {
                Dropped++; // padding-only probes on the RTX stream end here
                return;
            }
            bytes = restore.AsSpan(0, written);
        }
        if (packet.PayloadType != Codec.PayloadType)
        {
            Dropped++;
            return;
        }
        ProcessMedia(bytes, in packet, layer, isRtx, now);
    }

    private void ProcessMedia(Span<byte> bytes, in RtpPacket packet, ProducerLayer layer, bool repaired, long now)
    {
        Packets++;
        ushort sequence = packet.SequenceNumber;
        layer.OnPacket(sequence, packet.Timestamp, bytes.Length, now, Connection.Frequency, Codec.ClockRate, repaired);
        layer.Cache.Insert(sequence, bytes, packet.HeaderLength);
        if (!SeenFirstPacket)
        {
            SeenFirstPacket = true;
            _pendingEvents |= FirstPacketEvent;
        }
        if (layer.Loss.Tracked > 0 && now - layer.LastNackCollectAt >= Connection.NackIntervalTicks)
            Connection.SendNacks(layer, now);

        var frame = Inspect(in packet);
        if (frame.Keyframe)
        {
            layer.Keyframes.OnKeyframe();
            layer.Keyframe++;
            if (frame.HasVp8 && frame.Vp8.Width != 0)
            {
                layer.Width = frame.Vp8.Width;
                layer.Height = frame.Vp8.Height;
            }
            if (!SeenFirstKeyframe)
            {
                SeenFirstKeyframe = true;
                _pendingEvents |= FirstKeyframeEvent;
            }
        }
        if (IsAudio && Extensions.AudioLevel != 0 && packet.TryGetAudioLevel(Extensions.AudioLevel, out bool voice, out byte level) && voice)
        {
            // RFC 6464 §3: level is −dBov, 0 loudest; smooth 127 − level over voice-active packets.
            AudioLoudness += ((127 - level) - AudioLoudness) * 0.1;
            LastVoiceAt = now;
        }

        var consumers = Volatile.Read(ref _consumers);
        var scratch = Connection.SendBuffer;
        foreach (var consumer in consumers)
            consumer.Forward(bytes, in packet, layer, in frame, scratch, now);
    }

    private const int FirstPacketEvent = 1, FirstKeyframeEvent = 2;
    private int _pendingEvents;

    /// <summary>Whether events wait to be raised; read under the lock, raised after it (<see cref="RaisePendingEvents"/>).</summary>
    internal bool HasPendingEvents => _pendingEvents != 0;

    /// <summary>Raises first-packet / first-key-frame events outside the publisher lock, so handlers may call the router.</summary>
    internal void RaisePendingEvents()
    {
        int events = Interlocked.Exchange(ref _pendingEvents, 0);
        if ((events & FirstPacketEvent) != 0) Connection.Router.RaiseFirstPacket(this);
        if ((events & FirstKeyframeEvent) != 0) Connection.Router.RaiseFirstKeyframe(this);
    }

    private FrameInfo Inspect(in RtpPacket packet)
    {
        if (packet.PayloadLength == 0)
            return new FrameInfo { Padding = true };
        switch (CodecKind)
        {
            case MediaCodec.Vp8:
                if (!Vp8Descriptor.TryRead(packet.Payload, out var vp8, out _))
                    return default;
                return new FrameInfo
                {
                    Keyframe = vp8.IsKeyframe,
                    Temporal = vp8.HasTemporalId ? vp8.TemporalId : 0,
                    LayerSync = vp8.LayerSync,
                    HasVp8 = true,
                    Vp8 = vp8,
                };
            case MediaCodec.Vp9:
                return Vp9Descriptor.TryRead(packet.Payload, out var vp9, out _)
                    ? new FrameInfo { Keyframe = vp9.IsKeyframe, Temporal = vp9.TemporalId, LayerSync = vp9.SwitchingUpPoint }
                    : default;
            case MediaCodec.H264:
                return H264Payload.TryRead(packet.Payload, out var h264, out _) ? new FrameInfo { Keyframe = h264.IsKeyframe } : default;
            default:
                return new FrameInfo { Keyframe = IsAudio };
        }
    }

    /// <summary>
    /// Places a packet from an SSRC not seen before: by rid / repaired-rid (RFC 8852 §3) under simulcast, else as the
    /// single layer's media or RTX stream (by the RTX payload type, RFC 4588 §8.6).
    /// </summary>
    private bool TryLearn(in RtpPacket packet, out int layerIndex, out bool isRtx)
    {
        layerIndex = 0;
        bool rtxPt = Codec.RtxPayloadType is int rtx && packet.PayloadType == rtx;
        isRtx = rtxPt;
        if (IsSimulcast)
        {
            if (Extensions.RepairedRid != 0 && packet.TryGetExtension(Extensions.RepairedRid, out var repaired))
            {
                layerIndex = FindRid(repaired.Value);
                isRtx = true;
            }
            else if (Extensions.Rid != 0 && packet.TryGetExtension(Extensions.Rid, out var rid))
                layerIndex = FindRid(rid.Value);
            else
                return false;
            if (layerIndex < 0)
                return false;
        }
        if (packet.PayloadType != Codec.PayloadType && !rtxPt)
            return false;
        var layer = Layers[layerIndex];
        if (isRtx)
        {
            if (layer.RtxSsrc != 0) return false;
            layer.RtxSsrc = packet.Ssrc;
        }
        else
        {
            if (layer.Ssrc != 0) return false;
            layer.Ssrc = packet.Ssrc;
        }
        if (!AddSsrc(packet.Ssrc, layerIndex, isRtx))
            return false;
        Connection.MapSsrc(packet.Ssrc, this);
        return true;
    }

    private int FindRid(ReadOnlySpan<byte> rid)
    {
        for (int i = 0; i < _ridBytes.Length; i++)
            if (rid.SequenceEqual(_ridBytes[i])) return i;
        return -1;
    }

    /// <summary>Key frame request towards the publisher (called by a layer's throttled requester).</summary>
    internal void SendKeyframeRequest(uint mediaSsrc, KeyframeRequestKind kind, byte firSequence)
    {
        if (mediaSsrc != 0 && !Closed)
            Connection.SendKeyframeRequest(mediaSsrc, kind, firSequence);
    }

    /// <summary>Asks for a key frame on layer <paramref name="spatial"/> (clamped), throttled per layer.</summary>
    internal void RequestKeyframe(int spatial)
    {
        var layer = Layers[Math.Clamp(spatial, 0, Layers.Length - 1)];
        if (layer.Ssrc != 0 && !IsAudio) // nothing to ask before the stream is known (the request would only start the throttle)
            layer.Keyframes.Request();
    }

    /// <summary>The highest layer with a packet in the last <paramref name="activeTicks"/>; -1 when none.</summary>
    internal int HighestActiveLayer(long now, long activeTicks)
    {
        for (int i = Layers.Length - 1; i >= 0; i--)
            if (Layers[i].LastPacketAt != 0 && now - Layers[i].LastPacketAt <= activeTicks)
                return i;
        return -1;
    }
}
