using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Confer.Sfu.Srtp;

/// <summary>
/// AES in counter mode as SRTP uses it (RFC 3711 §4.1.1): the 128-bit IV is the first counter
/// block and the low 16 bits count blocks, so one IV covers at most 2^16 blocks (1 MiB).
/// Counter blocks are encrypted with one <see cref="Aes.EncryptEcb(ReadOnlySpan{byte}, Span{byte}, PaddingMode)"/>
/// call per chunk into stack buffers; nothing is allocated.
/// </summary>
internal static class AesCounterMode
{
    private const int BlockSize = 16;
    private const int ChunkBlocks = 32;

    /// <summary>XORs the keystream that starts at <paramref name="iv"/> (16 bytes) into <paramref name="data"/>.</summary>
    public static void Xor(Aes aes, ReadOnlySpan<byte> iv, Span<byte> data)
    {
        Span<byte> counters = stackalloc byte[ChunkBlocks * BlockSize];
        Span<byte> stream = stackalloc byte[ChunkBlocks * BlockSize];
        int firstChunkBlocks = Math.Min(ChunkBlocks, (data.Length + BlockSize - 1) / BlockSize);
        for (int b = 0; b < firstChunkBlocks; b++)
        {
            iv[..14].CopyTo(counters.Slice(b * BlockSize, 14));
        }

        ushort counter = BinaryPrimitives.ReadUInt16BigEndian(iv[14..]);
        for (int offset = 0; offset < data.Length;)
        {
            int count = Math.Min(counters.Length, data.Length - offset);
            int blocks = (count + BlockSize - 1) / BlockSize;
            for (int b = 0; b < blocks; b++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(counters.Slice(b * BlockSize + 14, 2), counter++);
            }

            int bytes = blocks * BlockSize;
            aes.EncryptEcb(counters[..bytes], stream[..bytes], PaddingMode.None);
            XorInPlace(data.Slice(offset, count), stream[..count]);
            offset += count;
        }
    }

    /// <summary>data[i] ^= key[i] for every byte of <paramref name="data"/>.</summary>
    public static void XorInPlace(Span<byte> data, ReadOnlySpan<byte> key)
    {
        int i = 0;
        int width = Vector<byte>.Count;
        for (; i + width <= data.Length; i += width)
        {
            (new Vector<byte>(data[i..]) ^ new Vector<byte>(key[i..])).CopyTo(data[i..]);
        }

        for (; i < data.Length; i++)
        {
            data[i] ^= key[i];
        }
    }
}
