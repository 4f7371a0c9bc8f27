using Confer.Sfu.Rtp;
using CsCheck;

namespace Confer.Sfu.Tests.Rtp;

/// <summary>Random and mutated bytes never make the RTP codec throw, and what it accepts is self-consistent.</summary>
public sealed class RtpFuzzTests
{
    private const int Iterations = 10_000;
    private static readonly byte[][] Seeds = [RtpTestPackets.OneByte(), RtpTestPackets.TwoByte(), RtpTestPackets.Plain()];

    private static void Probe(byte[] bytes)
    {
        if (!RtpPacket.TryRead(bytes, out var packet, out var error))
        {
            Assert.NotEqual(RtpError.None, error);
            return;
        }
        Assert.Equal(bytes.Length, packet.HeaderLength + packet.PayloadLength + packet.PaddingLength);
        Assert.True(packet.PayloadLength >= 0);
        int sum = packet.SequenceNumber + (int)(packet.Timestamp & 1) + packet.PayloadType + packet.Payload.Length;
        for (int i = 0; i < packet.CsrcCount; i++) sum += (int)(packet.GetCsrc(i) & 1);
        foreach (var e in packet.Extensions)
        {
            Assert.InRange(e.ValueOffset, 0, bytes.Length - e.Value.Length);
            sum += e.Id;
        }
        for (byte id = 0; id < 16; id++)
        {
            packet.TryGetAbsSendTime(id, out _);
            packet.TryGetTransportSequenceNumber(id, out _);
            packet.TryGetAudioLevel(id, out _, out _);
            packet.ExtensionEquals(id, "a1"u8);
        }
        Rtx.TryReadOriginalSequenceNumber(packet, out _, out _);
        var output = new byte[bytes.Length + 2];
        if (Rtx.TryWrite(packet, output, 1, 97, 2, out int written, out _))
            Assert.True(RtpPacket.TryRead(output.AsSpan(0, written), out _, out _));
        Rtx.TryRestoreOriginal(packet, output, 1, 96, out _, out _);

        var copy = (byte[])bytes.Clone();
        RtpPacketEditor.TrySetAbsSendTime(copy, 1, 0x123456, out _);
        RtpPacketEditor.TrySetTransportSequenceNumber(copy, 3, 7, out _);
        RtpPacketEditor.TrySetAudioLevel(copy, 1, true, 5, out _);
        RtpPacketEditor.TryWriteExtension(copy, 2, "zz"u8, out _);
        RtpPacketEditor.SetSequenceNumber(copy, 1);
        Assert.True(RtpPacket.TryRead(copy, out _, out _)); // in-place rewrites keep the packet well-formed
        Assert.True(sum >= 0);
    }

    [Fact]
    public void RandomBytes_NeverThrow() => Gen.Byte.Array[0, 120].Sample(Probe, iter: Iterations);

    [Fact]
    public void RandomBytesWithVersionTwo_NeverThrow() =>
        Gen.Byte.Array[12, 120].Select(b => { b[0] = (byte)(0x80 | (b[0] & 0x3F)); return b; }).Sample(Probe, iter: Iterations);

    [Fact]
    public void MutatedPackets_NeverThrow()
    {
        var gen =
            from seed in Gen.Int[0, Seeds.Length - 1]
            from position in Gen.Int[0, 1 << 16]
            from value in Gen.Byte
            from flips in Gen.Int[1, 3]
            from cut in Gen.Int[0, 48]
            select Mutate(Seeds[seed], position, value, flips, cut);
        gen.Sample(Probe, iter: Iterations);
    }

    private static byte[] Mutate(byte[] seed, int position, byte value, int flips, int cut)
    {
        var bytes = seed.AsSpan(0, Math.Max(0, seed.Length - (cut > 40 ? cut - 40 : 0))).ToArray();
        if (bytes.Length == 0) return bytes;
        for (int i = 0; i < flips; i++) bytes[(position + i * 7) % bytes.Length] ^= (byte)(value | 1);
        return bytes;
    }
}
