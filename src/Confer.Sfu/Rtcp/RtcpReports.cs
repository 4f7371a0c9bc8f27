using System.Buffers.Binary;

namespace Confer.Sfu.Rtcp;

/// <summary>
/// Sender and receiver reports (RFC 3550 §6.4.1, §6.4.2): reading from a parsed <see cref="RtcpPacket"/>
/// and writing into a caller's span.
/// <code>
/// SR: | V P RC PT=200 length | SSRC of sender | sender info (20 bytes) | report blocks (24 × RC) | extensions
/// RR: | V P RC PT=201 length | SSRC of packet sender | report blocks (24 × RC) | extensions
/// </code>
/// </summary>
internal readonly ref struct RtcpReport
{
    private RtcpReport(ReadOnlySpan<byte> blocks, uint ssrc, RtcpSenderInfo senderInfo, bool isSender)
    {
        _blocks = blocks;
        Ssrc = ssrc;
        SenderInfo = senderInfo;
        IsSenderReport = isSender;
    }

    private readonly ReadOnlySpan<byte> _blocks;
    public uint Ssrc { get; }
    /// <summary>Only meaningful when <see cref="IsSenderReport"/>.</summary>
    public RtcpSenderInfo SenderInfo { get; }
    public bool IsSenderReport { get; }
    public int BlockCount => _blocks.Length / RtcpReportBlock.Length;
    public RtcpReportBlock GetBlock(int index) => RtcpReportBlock.Read(_blocks.Slice(index * RtcpReportBlock.Length, RtcpReportBlock.Length));

    /// <summary>Reads an SR or an RR; RC report blocks must fit in the body.</summary>
    public static bool TryRead(in RtcpPacket packet, out RtcpReport report, out RtcpError error)
    {
        report = default;
        bool sender = packet.Type == RtcpPacketType.SenderReport;
        if (!sender && packet.Type != RtcpPacketType.ReceiverReport) { error = RtcpError.WrongType; return false; }
        var body = packet.Body;
        int fixedLength = 4 + (sender ? RtcpSenderInfo.Length : 0);
        int blocksLength = packet.Count * RtcpReportBlock.Length;
        if (body.Length < fixedLength + blocksLength) { error = RtcpError.BodyTooShort; return false; }
        var info = sender ? RtcpSenderInfo.Read(body[4..]) : default;
        report = new RtcpReport(body.Slice(fixedLength, blocksLength), BinaryPrimitives.ReadUInt32BigEndian(body), info, sender);
        error = RtcpError.None;
        return true;
    }

    /// <summary>Writes an SR with up to 31 report blocks.</summary>
    public static bool TryWriteSenderReport(Span<byte> destination, uint ssrc, in RtcpSenderInfo info,
        ReadOnlySpan<RtcpReportBlock> blocks, out int written, out RtcpError error)
    {
        written = 0;
        if (blocks.Length > 31) { error = RtcpError.InvalidArgument; return false; }
        int length = 8 + RtcpSenderInfo.Length + blocks.Length * RtcpReportBlock.Length;
        if (destination.Length < length) { error = RtcpError.DestinationTooSmall; return false; }
        RtcpPacket.WriteHeader(destination, blocks.Length, RtcpPacketType.SenderReport, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        info.Write(destination[8..]);
        WriteBlocks(destination[(8 + RtcpSenderInfo.Length)..], blocks);
        written = length;
        error = RtcpError.None;
        return true;
    }

    /// <summary>Writes an RR with up to 31 report blocks (none is valid: an empty RR heads a compound packet).</summary>
    public static bool TryWriteReceiverReport(Span<byte> destination, uint ssrc, ReadOnlySpan<RtcpReportBlock> blocks,
        out int written, out RtcpError error)
    {
        written = 0;
        if (blocks.Length > 31) { error = RtcpError.InvalidArgument; return false; }
        int length = 8 + blocks.Length * RtcpReportBlock.Length;
        if (destination.Length < length) { error = RtcpError.DestinationTooSmall; return false; }
        RtcpPacket.WriteHeader(destination, blocks.Length, RtcpPacketType.ReceiverReport, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        WriteBlocks(destination[8..], blocks);
        written = length;
        error = RtcpError.None;
        return true;
    }

    private static void WriteBlocks(Span<byte> destination, ReadOnlySpan<RtcpReportBlock> blocks)
    {
        for (int i = 0; i < blocks.Length; i++) blocks[i].Write(destination[(i * RtcpReportBlock.Length)..]);
    }
}
