using System.Buffers.Binary;
using System.Diagnostics;

namespace Confer.Bench.Sfu.Rtc;

/// <summary>One simulcast layer a publisher sends: its rid, bitrate and picture size.</summary>
internal sealed record VideoLayer(string Rid, int Kbps, int Width, int Height);

/// <summary>
/// What a browser's camera and microphone put on the wire, without an encoder: three VP8 simulcast layers at 30 fps
/// (RFC 7741: payload descriptor with a 15-bit picture id, a key frame every <see cref="KeyframeEvery"/> frames with
/// the key frame header and start code, packets of at most 1,200 bytes) and Opus-sized audio (50 packets/s, 80 bytes),
/// with the mid, rid, audio level and transport-wide sequence header extensions the server negotiated (RFC 8285 one-byte form). The last 8 bytes
/// of every payload are the send time (Stopwatch ticks) for the subscribers' delay.
/// </summary>
internal sealed class SyntheticPublisher
{
    public static readonly VideoLayer[] Layers =
    [
        new("q", 150, 320, 180),
        new("h", 500, 640, 360),
        new("f", 1500, 1280, 720),
    ];

    public const int KeyframeEvery = 90;
    private const int MaxChunk = 1100;
    private static readonly long FrameTicks = Stopwatch.Frequency / 30, AudioTicks = Stopwatch.Frequency / 50;

    private readonly MediaPeer _peer;
    private readonly uint _audioSsrc = (uint)Random.Shared.Next(), _firstVideoSsrc = (uint)Random.Shared.Next();
    private readonly ushort[] _videoSequence = new ushort[Layers.Length];
    private readonly byte[] _packet = new byte[1300];
    private ushort _audioSequence = (ushort)Random.Shared.Next();
    private uint _audioTimestamp, _videoTimestamp;
    private ushort _transportSequence;
    private ushort _pictureId = (ushort)Random.Shared.Next(0x8000);
    private int _frame;
    private long _nextAudio, _nextVideo, _lastKeyframe;
    private volatile bool _keyframeWanted;

    public SyntheticPublisher(MediaPeer peer)
    {
        _peer = peer;
        peer.KeyframeRequested = () => _keyframeWanted = true;
        long start = Stopwatch.GetTimestamp() + Random.Shared.NextInt64(FrameTicks);
        _nextAudio = start;
        _nextVideo = start;
    }

    public uint AudioSsrc => _audioSsrc;
    public uint VideoSsrc(int layer) => _firstVideoSsrc + (uint)layer;
    public string AudioMid { get; set; } = "0";
    public string VideoMid { get; set; } = "1";
    public byte MidId { get; set; }
    public byte RidId { get; set; }
    public byte AudioLevelId { get; set; }
    public byte TransportCcId { get; set; }
    public volatile bool Enabled;
    public long PacketsSent { get; private set; }

    /// <summary>Sends what is due by <paramref name="now"/>; a pump that fell far behind skips ahead instead of bursting.</summary>
    public void Tick(long now)
    {
        if (!Enabled) return;
        if (now - _nextVideo > 10 * FrameTicks) _nextVideo = now;
        if (now - _nextAudio > 10 * AudioTicks) _nextAudio = now;
        while (_nextAudio <= now)
        {
            SendAudio();
            _nextAudio += AudioTicks;
        }
        while (_nextVideo <= now)
        {
            SendFrame(now);
            _nextVideo += FrameTicks;
        }
    }

    private void SendAudio()
    {
        int at = WriteHeader(_packet, 111, marker: false, _audioSequence++, _audioTimestamp, _audioSsrc, AudioMid, rid: null);
        _audioTimestamp += 960;
        Finish(at + 80);
    }

    private void SendFrame(long now)
    {
        bool key = _frame++ % KeyframeEvery == 0 || (_keyframeWanted && now - _lastKeyframe > Stopwatch.Frequency / 2);
        if (key)
        {
            _keyframeWanted = false;
            _lastKeyframe = now;
        }
        _pictureId = (ushort)((_pictureId + 1) & 0x7FFF);
        for (int layer = 0; layer < Layers.Length; layer++)
        {
            var l = Layers[layer];
            int bytes = l.Kbps * 1000 / 8 / 30 * (key ? 4 : 1) * (key ? 100 : 97) / 100;
            int packets = (bytes + MaxChunk - 1) / MaxChunk;
            for (int p = 0; p < packets; p++)
            {
                int chunk = p < packets - 1 ? MaxChunk : bytes - MaxChunk * (packets - 1);
                int at = WriteHeader(_packet, 96, marker: p == packets - 1, _videoSequence[layer]++, _videoTimestamp, VideoSsrc(layer), VideoMid, l.Rid);
                at = WriteVp8(_packet, at, p == 0, key, l);
                Finish(at + Math.Max(chunk, 8));
            }
        }
        _videoTimestamp += 3000;
    }

    /// <summary>VP8 payload descriptor (RFC 7741 §4.2: X, S, I, M with a 15-bit picture id) and, at a frame's start, the frame header (RFC 6386 §9.1).</summary>
    private int WriteVp8(byte[] packet, int at, bool start, bool key, VideoLayer layer)
    {
        packet[at++] = (byte)(start ? 0x90 : 0x80);
        packet[at++] = 0x80;
        packet[at++] = (byte)(0x80 | (_pictureId >> 8));
        packet[at++] = (byte)_pictureId;
        if (!start) return at;
        uint tag = (key ? 0u : 1u) | (1u << 4) | (1000u << 5);
        packet[at++] = (byte)tag;
        packet[at++] = (byte)(tag >> 8);
        packet[at++] = (byte)(tag >> 16);
        if (!key) return at;
        packet[at++] = 0x9D;
        packet[at++] = 0x01;
        packet[at++] = 0x2A;
        BinaryPrimitives.WriteUInt16LittleEndian(packet.AsSpan(at), (ushort)layer.Width);
        BinaryPrimitives.WriteUInt16LittleEndian(packet.AsSpan(at + 2), (ushort)layer.Height);
        return at + 4;
    }

    /// <summary>RTP header (RFC 3550 §5.1) with one-byte header extensions (RFC 8285 §4.2): mid, transport-wide sequence, rid, audio level.</summary>
    private int WriteHeader(byte[] packet, byte payloadType, bool marker, ushort sequence, uint timestamp, uint ssrc, string mid, string? rid)
    {
        packet[0] = 0x90;
        packet[1] = (byte)((marker ? 0x80 : 0) | payloadType);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), ssrc);
        packet[12] = 0xBE;
        packet[13] = 0xDE;
        int at = 16;
        at = Element(packet, at, MidId, mid);
        if (TransportCcId != 0)
        {
            packet[at++] = (byte)((TransportCcId << 4) | 1);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(at), _transportSequence++);
            at += 2;
        }
        if (rid is not null) at = Element(packet, at, RidId, rid);
        if (rid is null && AudioLevelId != 0)
        {
            packet[at++] = (byte)(AudioLevelId << 4);
            packet[at++] = 127; // silence, no voice activity (RFC 6464 §3)
        }
        while ((at & 3) != 0) packet[at++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(14), (ushort)((at - 16) / 4));
        return at;
    }

    private static int Element(byte[] packet, int at, byte id, string value)
    {
        if (id == 0) return at;
        packet[at++] = (byte)((id << 4) | (value.Length - 1));
        for (int i = 0; i < value.Length; i++) packet[at++] = (byte)value[i];
        return at;
    }

    private void Finish(int length)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_packet.AsSpan(length - 8), Stopwatch.GetTimestamp());
        _peer.SendMedia(_packet.AsSpan(0, length));
        PacketsSent++;
    }
}
