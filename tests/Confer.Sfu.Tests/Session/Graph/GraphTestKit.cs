using System.Buffers.Binary;
using System.Text;
using Confer.Sfu.Rtcp;
using Confer.Sfu.Rtp;
using Confer.Sfu.Sdp;
using Confer.Sfu.Session;

namespace Confer.Sfu.Tests.Session.Graph;

/// <summary>Records what the graph sends on one peer connection (copies, since the buffer is reused).</summary>
internal sealed class CapturingSender(bool record = true) : IRtpPacketSender
{
    public List<byte[]> Rtp { get; } = [];
    public List<byte[]> Rtcp { get; } = [];
    public long RtpCount { get; private set; }
    public long RtcpCount { get; private set; }

    /// <summary>What the transport would say: false before its DTLS is done.</summary>
    public bool CanSend { get; set; } = true;

    public bool SendRtp(Span<byte> buffer, int length)
    {
        if (buffer.Length < length + IRtpPacketSender.ProtectionHeadroom)
            throw new InvalidOperationException("No room for the SRTP tag.");
        if (!CanSend) return false;
        RtpCount++;
        if (record) Rtp.Add(buffer[..length].ToArray());
        return true;
    }

    public bool SendRtcp(Span<byte> buffer, int length)
    {
        if (buffer.Length < length + IRtpPacketSender.ProtectionHeadroom)
            throw new InvalidOperationException("No room for the SRTCP index and tag.");
        RtcpCount++;
        if (record) Rtcp.Add(buffer[..length].ToArray());
        return true;
    }

    /// <summary>Every RTCP packet (compounds split) of the given type and format/count.</summary>
    public List<byte[]> RtcpOf(RtcpPacketType type, int? format = null)
    {
        var found = new List<byte[]>();
        foreach (var compound in Rtcp)
        {
            var reader = new RtcpCompoundReader(compound);
            while (!reader.IsAtEnd && reader.TryReadNext(out var packet, out _))
                if (packet.Type == type && (format is null || packet.Count == format))
                    found.Add(packet.Bytes.ToArray());
        }
        return found;
    }
}

/// <summary>Hand-built publisher traffic: VP8 simulcast with mid/rid/repaired-rid/TWCC one-byte extensions (RFC 8285 §4.2).</summary>
internal static class GraphTestKit
{
    public const byte MidId = 1, RidId = 2, RepairedRidId = 3, TwccId = 4, AudioLevelId = 5;
    public const int Vp8Pt = 96, RtxPt = 97, OpusPt = 111;

    public static NegotiatedMedia Vp8Simulcast(string mid = "0", bool rtx = true) => new(
        mid, "video", SdpDirection.RecvOnly,
        [new NegotiatedCodec(Vp8Pt, "VP8", 90000, 0, null, rtx ? RtxPt : null, ["nack", "nack pli", "transport-cc"])],
        ["q", "h", "f"],
        new Dictionary<string, int>
        {
            [RtpHeaderExtensionIds.MidUri] = MidId,
            [RtpHeaderExtensionIds.RidUri] = RidId,
            [RtpHeaderExtensionIds.RepairedRidUri] = RepairedRidId,
            [RtpHeaderExtensionIds.TransportWideCcUri] = TwccId,
        },
        [], "stream", "track", null);

    public static NegotiatedMedia Vp8Single(uint ssrc, uint? rtxSsrc, string mid = "0") => Vp8Simulcast(mid, rtxSsrc is not null) with
    {
        Rids = [],
        Ssrcs = [new NegotiatedSsrc(ssrc, rtxSsrc)],
    };

    public static NegotiatedMedia Opus(uint ssrc, string mid = "1") => new(
        mid, "audio", SdpDirection.RecvOnly,
        [new NegotiatedCodec(OpusPt, "opus", 48000, 2, "minptime=10;useinbandfec=1", null, ["transport-cc"])],
        [],
        new Dictionary<string, int>
        {
            [RtpHeaderExtensionIds.MidUri] = MidId,
            [RtpHeaderExtensionIds.TransportWideCcUri] = TwccId,
            [RtpHeaderExtensionIds.AudioLevelUri] = AudioLevelId,
        },
        [new NegotiatedSsrc(ssrc, null)], "stream", "audio", null);

    /// <summary>
    /// A VP8 packet: header, one-byte extensions (mid, rid or repaired-rid, TWCC), the descriptor with a 15-bit picture
    /// id, TL0PICIDX and TID (RFC 7741 §4.2), the payload header (key frame: start code and size, RFC 6386 §9.1), and
    /// <paramref name="body"/> bytes of <paramref name="fill"/>.
    /// </summary>
    public static byte[] Vp8(uint ssrc, ushort sequence, uint timestamp, bool keyframe, ushort pictureId = 0, byte tl0 = 0, int tid = 0,
        string? rid = null, string? mid = "0", ushort? twcc = null, byte fill = 0xAB, int body = 40, byte payloadType = Vp8Pt,
        bool repairedRid = false, int width = 1280, int height = 720)
    {
        var extensions = new List<byte>();
        if (mid is not null) AddExtension(extensions, MidId, Encoding.ASCII.GetBytes(mid));
        if (rid is not null) AddExtension(extensions, repairedRid ? RepairedRidId : RidId, Encoding.ASCII.GetBytes(rid));
        if (twcc is ushort t) AddExtension(extensions, TwccId, [(byte)(t >> 8), (byte)t]);
        while (extensions.Count % 4 != 0) extensions.Add(0);
        var payload = new List<byte> { 0x90, 0xE0, (byte)(0x80 | (pictureId >> 8) & 0x7F), (byte)pictureId, tl0, (byte)(tid << 6 | (tid > 0 ? 0x20 : 0)) };
        if (keyframe)
            payload.AddRange([0x00, 0x00, 0x00, 0x9D, 0x01, 0x2A, (byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8)]);
        else
            payload.AddRange([0x01, 0x00, 0x00]);
        payload.AddRange(Enumerable.Repeat(fill, body));
        return Build(ssrc, sequence, timestamp, payloadType, extensions, payload, marker: true);
    }

    public static byte[] Audio(uint ssrc, ushort sequence, uint timestamp, byte level, bool voice, string mid = "1", ushort? twcc = null)
    {
        var extensions = new List<byte>();
        AddExtension(extensions, MidId, Encoding.ASCII.GetBytes(mid));
        AddExtension(extensions, AudioLevelId, [(byte)((voice ? 0x80 : 0) | level)]);
        if (twcc is ushort t) AddExtension(extensions, TwccId, [(byte)(t >> 8), (byte)t]);
        while (extensions.Count % 4 != 0) extensions.Add(0);
        return Build(ssrc, sequence, timestamp, OpusPt, extensions, [.. Enumerable.Repeat((byte)0x5A, 60)], marker: false);
    }

    private static void AddExtension(List<byte> block, byte id, byte[] value)
    {
        block.Add((byte)(id << 4 | (value.Length - 1)));
        block.AddRange(value);
    }

    private static byte[] Build(uint ssrc, ushort sequence, uint timestamp, byte payloadType, List<byte> extensions, List<byte> payload, bool marker)
    {
        int headerLength = 12 + (extensions.Count > 0 ? 4 + extensions.Count : 0);
        var packet = new byte[headerLength + payload.Count];
        packet[0] = (byte)(0x80 | (extensions.Count > 0 ? 0x10 : 0));
        packet[1] = (byte)((marker ? 0x80 : 0) | payloadType);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), ssrc);
        if (extensions.Count > 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(12), RtpPacket.OneByteProfile);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(14), (ushort)(extensions.Count / 4));
            extensions.CopyTo(packet, 16);
        }
        payload.CopyTo(packet, headerLength);
        return packet;
    }

    public static byte[] Pli(uint sender, uint media)
    {
        var buffer = new byte[64];
        RtcpPli.TryWrite(buffer, sender, media, out int written, out _);
        return buffer[..written];
    }

    public static byte[] Nack(uint sender, uint media, params ushort[] lost)
    {
        var buffer = new byte[256];
        RtcpNack.TryWrite(buffer, sender, media, lost, out int written, out _);
        return buffer[..written];
    }

    public static RtpPacketFields Read(byte[] bytes)
    {
        Assert.True(RtpPacket.TryRead(bytes, out var p, out var error), $"not RTP: {error}");
        return new RtpPacketFields(p.Ssrc, p.SequenceNumber, p.Timestamp, p.PayloadType, p.Payload.ToArray(), p.ExtensionData.ToArray(), p.IsOneByteExtension);
    }
}

internal sealed record RtpPacketFields(uint Ssrc, ushort Sequence, uint Timestamp, byte PayloadType, byte[] Payload, byte[] Extensions, bool OneByte);
