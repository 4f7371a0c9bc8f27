using System.Buffers;
using System.Buffers.Binary;

namespace Confer.Server.Acme;

/// <summary>
/// Reads the ALPN protocol names a TLS ClientHello offers, before the handshake: .NET chooses the server certificate
/// without telling which protocols the client offered, but TLS-ALPN-01 must answer "acme-tls/1" handshakes (and only
/// those) with the challenge certificate (RFC 8737 §3). Every length is checked before it is read.
/// <code>
/// record:    type(1)=22 version(2) length(2)
/// handshake: type(1)=1 length(3) version(2) random(32) session_id(1+n) cipher_suites(2+n) compression(1+n) extensions(2+n)
/// extension: type(2) length(2) data; ALPN (RFC 7301 §3.1) = 16: list_length(2) { name_length(1) name }*
/// </code>
/// </summary>
internal static class ClientHelloAlpn
{
    public enum Result { NeedMore, NotClientHello, Done }

    /// <summary>Reads the first record; on <see cref="Result.Done"/>, <paramref name="offersAcmeTls1"/> says whether "acme-tls/1" is offered.</summary>
    public static Result TryRead(ReadOnlySequence<byte> input, out bool offersAcmeTls1)
    {
        offersAcmeTls1 = false;
        if (input.Length < 5) return Result.NeedMore;
        Span<byte> header = stackalloc byte[5];
        input.Slice(0, 5).CopyTo(header);
        if (header[0] != 22 || header[1] != 3) return Result.NotClientHello;
        int recordLength = BinaryPrimitives.ReadUInt16BigEndian(header[3..]);
        if (input.Length < 5 + recordLength) return Result.NeedMore;
        byte[] record = input.Slice(5, recordLength).ToArray();
        offersAcmeTls1 = Offers(record, "acme-tls/1"u8);
        return Result.Done;
    }

    /// <summary>True when the ClientHello in <paramref name="hello"/> lists <paramref name="protocol"/> in its ALPN extension.</summary>
    public static bool Offers(ReadOnlySpan<byte> hello, ReadOnlySpan<byte> protocol)
    {
        if (hello.Length < 4 || hello[0] != 1) return false;
        int length = (hello[1] << 16) | (hello[2] << 8) | hello[3];
        var body = hello[4..];
        if (length < body.Length) body = body[..length]; // a ClientHello longer than the record is read as far as it goes
        int at = 2 + 32; // version, random
        if (!Skip(body, ref at, 1) || !Skip(body, ref at, 2) || !Skip(body, ref at, 1)) return false; // session id, suites, compression
        if (at + 2 > body.Length) return false;
        int end = Math.Min(body.Length, at + 2 + BinaryPrimitives.ReadUInt16BigEndian(body[at..]));
        at += 2;
        while (at + 4 <= end)
        {
            int type = BinaryPrimitives.ReadUInt16BigEndian(body[at..]);
            int size = BinaryPrimitives.ReadUInt16BigEndian(body[(at + 2)..]);
            at += 4;
            if (at + size > end) return false;
            if (type == 16 && size >= 2)
            {
                var list = body.Slice(at + 2, Math.Min(size - 2, BinaryPrimitives.ReadUInt16BigEndian(body[at..])));
                for (int i = 0; i < list.Length;)
                {
                    int n = list[i];
                    if (i + 1 + n > list.Length) return false;
                    if (list.Slice(i + 1, n).SequenceEqual(protocol)) return true;
                    i += 1 + n;
                }
                return false;
            }
            at += size;
        }
        return false;
    }

    private static bool Skip(ReadOnlySpan<byte> body, ref int at, int lengthBytes)
    {
        if (at + lengthBytes > body.Length) return false;
        int n = lengthBytes == 1 ? body[at] : BinaryPrimitives.ReadUInt16BigEndian(body[at..]);
        at += lengthBytes + n;
        return at <= body.Length;
    }
}
