using System.Buffers.Binary;

namespace Confer.Sfu.Session;

internal sealed partial class Consumer
{
    /// <summary>
    /// Renumbers the header extension elements of a forwarded packet in place to the subscriber's ids (RFC 8285 §4.2
    /// one-byte form, §4.3 two-byte form) and removes the ones it did not negotiate (mid, rid, repaired-rid: they name
    /// the publisher's streams). Kept elements move to the front; the freed tail becomes padding (zero bytes), so the
    /// block and the packet keep their lengths. The transport-wide sequence number is replaced with the subscriber
    /// transport's own (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2).
    /// <code>
    ///  one-byte:  | ID(4) | L(4) | data (L+1) |  ...  | 0 padding |
    ///  two-byte:  | ID(8) | L(8) | data (L)   |  ...  | 0 padding |
    /// </code>
    /// </summary>
    private void RewriteExtensions(Span<byte> block, bool oneByte, int packetLength, long now)
    {
        int read = 0, write = 0;
        while (read < block.Length)
        {
            int id, length, headerSize;
            if (oneByte)
            {
                byte b = block[read];
                if (b == 0) { read++; continue; }
                id = b >> 4;
                if (id == 15) break; // §4.2: stop processing
                length = (b & 0x0F) + 1;
                headerSize = 1;
            }
            else
            {
                id = block[read];
                if (id == 0) { read++; continue; }
                if (read + 1 >= block.Length) break;
                length = block[read + 1];
                headerSize = 2;
            }
            int total = headerSize + length;
            if (read + total > block.Length) break; // malformed: keep what was sorted so far
            int target = _extensionMap[id];
            if (target != 0 && (!oneByte || target <= 14))
            {
                block.Slice(read, total).CopyTo(block[write..]);
                if (oneByte) block[write] = (byte)((target << 4) | (length - 1));
                else block[write] = (byte)target;
                if (id == _producerTwccId && length == 2)
                    BinaryPrimitives.WriteUInt16BigEndian(block[(write + headerSize)..], Subscriber.NextTransportSequence(packetLength, now));
                write += total;
            }
            read += total;
        }
        block[write..].Clear();
    }
}
