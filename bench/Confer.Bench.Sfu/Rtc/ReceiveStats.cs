using System.Buffers.Binary;
using System.Diagnostics;
using Confer.Sfu.Bandwidth;
using Confer.Sfu.Rtcp;
using Confer.Sfu.Rtp;
using Confer.Sfu.Srtp;

namespace Confer.Bench.Sfu.Rtc;

/// <summary>
/// What one subscriber connection received: per SSRC (one down-track) packets, bytes and the sequence span, so loss is
/// counted by sequence number from the SRTP header, which travels in clear (RFC 3711 §3.1); a sample of packets is
/// decrypted to read the send time the publisher put in the payload's last 8 bytes (same machine, same clock). Counts
/// only while <see cref="Window"/> is non-zero. Also records transport-wide sequence numbers and writes transport-cc
/// feedback like a browser's (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1), which a server's bandwidth
/// estimate toward this subscriber needs.
/// </summary>
internal sealed class ReceiveStats
{
    /// <summary>Delay histogram: 20 µs buckets up to 20 ms, then 1 ms buckets up to 2 s.</summary>
    public const int Buckets = 1_000 + 1_980;

    public static int Bucket(long micros) => micros < 20_000 ? (int)(micros / 20) : (int)Math.Min(Buckets - 1, 1_000 + (micros - 20_000) / 1_000);

    public static double BucketMillis(int bucket) => bucket < 1_000 ? (bucket + 0.5) * 0.02 : 20 + (bucket - 1_000 + 0.5);

    /// <summary>Decrypt one packet in this many (a power of two) for the delay.</summary>
    public static int SampleEvery { get; set; } = 4;

    /// <summary>The measurement window now open (0: none). A stream first seen in a new window starts counting afresh.</summary>
    public static volatile int Window;

    private static readonly double MicrosPerTick = 1e6 / Stopwatch.Frequency;
    private readonly Dictionary<uint, StreamCount> _streams = [];
    private readonly Lock _twccGate = new();
    private readonly uint _feedbackSsrc = (uint)Random.Shared.Next();
    private readonly Confer.Sfu.Bandwidth.TwccArrival[] _arrivals = new Confer.Sfu.Bandwidth.TwccArrival[512];
    private readonly Confer.Sfu.Rtcp.TwccArrival[] _wire = new Confer.Sfu.Rtcp.TwccArrival[512];
    private readonly byte[] _feedback = new byte[1200];
    private TwccRecorder? _twcc;
    private byte _twccId;
    private uint _mediaSsrc;
    private int _sample;

    public int[] Delay { get; } = new int[Buckets];
    public long DelayOverflow { get; private set; }
    public long AuthFailures { get; private set; }
    public long TransportRecorded { get; private set; }
    public long FeedbackSent { get; private set; }


    /// <summary>The negotiated transport-cc extension id (0: none negotiated, no feedback).</summary>
    public void UseTransportCc(byte id)
    {
        lock (_twccGate)
        {
            _twccId = id;
            _twcc ??= new TwccRecorder(TimeProvider.System, new TwccRecorderOptions { FeedbackInterval = TimeSpan.FromMilliseconds(100) });
        }
    }

    public void OnRtp(Span<byte> datagram, SrtpSession inbound)
    {
        if (datagram.Length < 12) return;
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(datagram[8..]);
        if (_twccId != 0 && RtpPacket.TryRead(datagram, out var rtp, out _) && rtp.TryGetTransportSequenceNumber(_twccId, out ushort transport))
        {
            lock (_twccGate)
            {
                _twcc!.Record(transport);
                TransportRecorded++;
                _mediaSsrc = ssrc;
            }
        }
        int window = Window;
        if (window == 0) return;
        if (!_streams.TryGetValue(ssrc, out var stream)) _streams[ssrc] = stream = new StreamCount();
        stream.Count(window, BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]), datagram.Length);
        if ((++_sample & (SampleEvery - 1)) != 0) return;
        if (!inbound.TryUnprotectRtp(datagram, datagram.Length, out int plain, out _) || plain < 20)
        {
            AuthFailures++;
            return;
        }
        long sent = BinaryPrimitives.ReadInt64LittleEndian(datagram.Slice(plain - 8, 8));
        long micros = (long)((Stopwatch.GetTimestamp() - sent) * MicrosPerTick);
        if (micros >= 0 && micros < 2_000_000) Delay[Bucket(micros)]++;
        else DelayOverflow++;
    }

    /// <summary>Sums the streams counted in <paramref name="window"/> into <paramref name="total"/>.</summary>
    public void AddTo(int window, ref Totals total)
    {
        foreach (var stream in _streams.Values)
        {
            if (stream.Window != window || stream.Received == 0) continue;
            total.DownTracks++;
            total.Packets += stream.Received;
            total.Bytes += stream.Bytes;
            total.Expected += stream.Highest - stream.First + 1;
        }
        for (int i = 0; i < Buckets; i++) total.Delay[i] += Delay[i];
        total.DelayOverflow += DelayOverflow;
        total.AuthFailures += AuthFailures;
    }

    /// <summary>Per stream "ssrc:packets:bytes" of the window, for --verbose.</summary>
    public string Describe(int window) => $"twcc {_twccId} recorded {TransportRecorded} feedback {FeedbackSent}; " + string.Join(' ', _streams.Where(kv => kv.Value.Window == window)
        .Select(kv => $"{kv.Key:x8}:{kv.Value.Received}:{kv.Value.Bytes / Math.Max(1, kv.Value.Received)}B:lost{kv.Value.Highest - kv.Value.First + 1 - kv.Value.Received}"));

    public void ClearDelay()
    {
        Array.Clear(Delay);
        DelayOverflow = 0;
        AuthFailures = 0;
    }

    /// <summary>The pump's turn: transport-cc feedback when due.</summary>
    public void SendFeedback(MediaPeer peer)
    {
        lock (_twccGate)
        {
            if (_twcc is null) return;
            byte count = 0;
            while (_twcc.TryTakeFeedback(_arrivals, out var batch))
            {
                for (int i = 0; i < batch.Count; i++)
                    _wire[i] = new Confer.Sfu.Rtcp.TwccArrival(_arrivals[i].Sequence, _arrivals[i].Received, _arrivals[i].ArrivalMicros);
                var rest = _wire.AsSpan(0, batch.Count);
                count = batch.FeedbackCount;
                for (int round = 0; round < 8 && !rest.IsEmpty; round++)
                {
                    if (!TwccFeedbackWriter.TryWrite(_feedback, 1200, _feedbackSsrc, _mediaSsrc, count++, rest, out int written, out int consumed, out _) || consumed == 0) break;
                    peer.SendMedia(_feedback.AsSpan(0, written), rtcp: true);
                    FeedbackSent++;
                    rest = rest[consumed..];
                }
            }
        }
    }

    private sealed class StreamCount
    {
        public int Window;
        public long First, Highest, Received, Bytes;
        private ushort _last;

        public void Count(int window, ushort sequence, int length)
        {
            if (Window != window)
            {
                Window = window;
                _last = sequence;
                First = Highest = sequence;
                Received = Bytes = 0;
            }
            // Extend the 16-bit number by its signed distance from the newest one (RFC 3550 Appendix A.1 in short).
            int step = (short)(ushort)(sequence - _last);
            long extended = Highest + step;
            if (step > 0)
            {
                Highest = extended;
                _last = sequence;
            }
            if (extended < First) First = extended;
            Received++;
            Bytes += length;
        }
    }
}

/// <summary>The sum over every subscriber connection of one run.</summary>
internal struct Totals()
{
    public long DownTracks, Packets, Bytes, Expected, DelayOverflow, AuthFailures;
    public long[] Delay = new long[ReceiveStats.Buckets];

    public readonly double LossPercent => Expected > 0 ? 100.0 * Math.Max(0, Expected - Packets) / Expected : 0;

    /// <summary>The delay at quantile <paramref name="q"/> (0-1), milliseconds; NaN without samples.</summary>
    public readonly double DelayMillis(double q)
    {
        long samples = DelayOverflow;
        foreach (var n in Delay) samples += n;
        if (samples == 0) return double.NaN;
        long target = (long)Math.Ceiling(q * samples), seen = 0;
        for (int i = 0; i < Delay.Length; i++)
        {
            seen += Delay[i];
            if (seen >= target) return ReceiveStats.BucketMillis(i);
        }
        return double.PositiveInfinity;
    }
}

/// <summary>Reads an RTCP compound packet (RFC 3550 §6.1) for a key frame request: PLI or FIR (RFC 4585 §6.3.1, RFC 5104 §4.3.1).</summary>
internal static class RtcpScan
{
    public static bool AsksForKeyframe(ReadOnlySpan<byte> compound)
    {
        for (int guard = 0; guard < 32 && compound.Length >= 4; guard++)
        {
            int length = (BinaryPrimitives.ReadUInt16BigEndian(compound[2..]) + 1) * 4;
            if (compound[1] == 206 && (compound[0] & 0x1F) is 1 or 4) return true;
            if (length > compound.Length) return false;
            compound = compound[length..];
        }
        return false;
    }
}
