using System.Buffers;
using System.Buffers.Binary;

namespace Confer.Sfu.Forwarding;

/// <summary>
/// A publisher track's retransmission buffer (the role of LiveKit's sfu/buffer bucket): the last N RTP
/// packets of one SSRC, kept whole in fixed slots of one pooled array, found again by sequence number when a
/// subscriber NACKs (RFC 4585 §6.2.1). Slot = sequence mod N, so a lookup is one index and one compare;
/// a newer packet overwrites the slot of the one N sequence numbers before it. Memory is bounded at
/// N × slot size, fixed at construction. One owner: the receive path inserts, the NACK path reads, on the
/// same worker.
/// <code>
///  slot i:  [ packet bytes (≤ slot size) ]   metadata i: sequence, length, RTP header length
/// </code>
/// </summary>
internal sealed class PacketCache : IDisposable
{
    public const int DefaultCapacity = 512;
    public const int DefaultSlotSize = 1500;

    private readonly byte[] _buffer;
    private readonly ushort[] _sequences;
    private readonly ushort[] _lengths;      // 0 = empty slot
    private readonly byte[] _headerLengths;
    private readonly int _mask;
    private readonly int _slotSize;
    private ushort _highest;
    private bool _any;
    private bool _disposed;

    /// <param name="capacity">Packets kept; a power of two from 16 to 32768.</param>
    /// <param name="slotSize">Largest packet kept, bytes (up to 65535); larger ones are refused.</param>
    public PacketCache(int capacity = DefaultCapacity, int slotSize = DefaultSlotSize)
    {
        if (capacity < 16 || capacity > 32768 || (capacity & (capacity - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The packet cache capacity must be a power of two from 16 to 32768.");
        if (slotSize < 12 || slotSize > ushort.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(slotSize), slotSize, "The packet cache slot size must be from 12 to 65535 bytes.");
        _mask = capacity - 1;
        _slotSize = slotSize;
        _buffer = ArrayPool<byte>.Shared.Rent(capacity * slotSize);
        _sequences = new ushort[capacity];
        _lengths = new ushort[capacity];
        _headerLengths = new byte[capacity];
    }

    public int Capacity => _mask + 1;
    public int SlotSize => _slotSize;
    /// <summary>Bytes this cache holds on to, whatever it stores.</summary>
    public long ReservedBytes => (long)Capacity * _slotSize;
    public ushort HighestSequence => _highest;

    /// <summary>
    /// Stores a copy of <paramref name="packet"/> (a whole RTP packet) under <paramref name="sequence"/>.
    /// <paramref name="headerLength"/> is the RTP header length the caller's parser found (fixed header,
    /// CSRCs and extension), kept so a retransmission can insert the RTX OSN after it (RFC 4588 §4).
    /// False when the packet does not fit a slot or is older than the cache reaches.
    /// </summary>
    public bool Insert(ushort sequence, ReadOnlySpan<byte> packet, int headerLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // RTP headers are whole 32-bit words (RFC 3550 §5.1, §5.3.1).
        if (packet.Length > _slotSize || packet.Length < 12 || headerLength < 12 || headerLength > packet.Length
            || headerLength % 4 != 0 || headerLength > byte.MaxValue * 4)
            return false;
        if (_any)
        {
            int delta = RtpSequence.Delta(_highest, sequence);
            if (delta <= -Capacity)
                return false; // its slot already belongs to a newer packet
            if (delta >= Capacity)
                Array.Clear(_lengths); // a jump past the whole ring: everything kept is stale
            else
                for (int s = 1; s < delta; s++) // sequences skipped by the jump: clear their slots of stale packets
                    _lengths[(ushort)(_highest + s) & _mask] = 0;
            if (delta > 0)
                _highest = sequence;
        }
        else
        {
            _any = true;
            _highest = sequence;
        }
        int slot = sequence & _mask;
        packet.CopyTo(_buffer.AsSpan(slot * _slotSize, _slotSize));
        _sequences[slot] = sequence;
        _lengths[slot] = (ushort)packet.Length;
        _headerLengths[slot] = (byte)(headerLength / 4);
        return true;
    }

    /// <summary>Finds the packet stored under <paramref name="sequence"/>; the span is valid until the next insert.</summary>
    public bool TryGet(ushort sequence, out ReadOnlySpan<byte> packet, out int headerLength)
    {
        int slot = sequence & _mask;
        if (_disposed || _lengths[slot] == 0 || _sequences[slot] != sequence || RtpSequence.Delta(sequence, _highest) >= Capacity)
        {
            packet = default;
            headerLength = 0;
            return false;
        }
        packet = _buffer.AsSpan(slot * _slotSize, _lengths[slot]);
        headerLength = _headerLengths[slot] * 4;
        return true;
    }

    public bool Contains(ushort sequence) => TryGet(sequence, out _, out _);

    /// <summary>Reads the RTP timestamp of a stored packet (RFC 3550 §5.1, bytes 4–7).</summary>
    public bool TryGetTimestamp(ushort sequence, out uint timestamp)
    {
        timestamp = 0;
        if (!TryGet(sequence, out var packet, out _))
            return false;
        timestamp = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        return true;
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        ArrayPool<byte>.Shared.Return(_buffer);
    }
}
