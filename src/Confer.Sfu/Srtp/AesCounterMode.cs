using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Confer.Sfu.Srtp;

/// <summary>
/// AES in counter mode as SRTP uses it (RFC 3711 §4.1.1): the 128-bit IV is the first counter
/// block and the low 16 bits count blocks, so one IV covers at most 2^16 blocks (1 MiB).
/// <para>
/// Counter blocks are encrypted with an ECB <see cref="ICryptoTransform"/> made once, into two
/// scratch arrays owned by this object. <see cref="Aes.EncryptEcb(ReadOnlySpan{byte}, Span{byte}, PaddingMode)"/>
/// into stack spans would be the obvious choice, but on .NET 10/Linux it allocates 64 bytes per call
/// (a one-shot cipher object; measured), where <see cref="ICryptoTransform.TransformBlock"/> allocates nothing.
/// Not thread-safe (the scratch arrays are shared by calls).
/// </para>
/// </summary>
internal sealed class AesCounterMode : IDisposable
{
    private const int BlockSize = 16;
    private const int ChunkBlocks = 96; // 1536 bytes: one transform call per typical media packet
    private readonly Aes aes;
    private readonly ICryptoTransform ecb;
    private readonly byte[] counters = new byte[ChunkBlocks * BlockSize];
    private readonly byte[] stream = new byte[ChunkBlocks * BlockSize];

    /// <summary>Keys the block cipher with <paramref name="key"/> (16 bytes).</summary>
    public AesCounterMode(ReadOnlySpan<byte> key)
    {
        aes = Aes.Create();
        aes.Mode = CipherMode.ECB;
        aes.Padding = PaddingMode.None;
        aes.Key = key.ToArray();
        ecb = aes.CreateEncryptor();
    }

    /// <summary>XORs the keystream that starts at <paramref name="iv"/> (16 bytes) into <paramref name="data"/>.</summary>
    public void Xor(ReadOnlySpan<byte> iv, Span<byte> data)
    {
        int firstChunkBlocks = Math.Min(ChunkBlocks, (data.Length + BlockSize - 1) / BlockSize);
        for (int b = 0; b < firstChunkBlocks; b++)
        {
            iv[..14].CopyTo(counters.AsSpan(b * BlockSize, 14));
        }

        ushort counter = BinaryPrimitives.ReadUInt16BigEndian(iv[14..]);
        for (int offset = 0; offset < data.Length;)
        {
            int count = Math.Min(counters.Length, data.Length - offset);
            int blocks = (count + BlockSize - 1) / BlockSize;
            for (int b = 0; b < blocks; b++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(counters.AsSpan(b * BlockSize + 14, 2), counter++);
            }

            ecb.TransformBlock(counters, 0, blocks * BlockSize, stream, 0);
            XorInPlace(data.Slice(offset, count), stream.AsSpan(0, count));
            offset += count;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        ecb.Dispose();
        aes.Dispose();
        CryptographicOperations.ZeroMemory(stream);
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
