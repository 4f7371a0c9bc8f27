using System.Buffers;
using System.Buffers.Binary;
using System.Net.Security;

namespace Confer.Server.Tls;

/// <summary>
/// What a TLS ClientHello offers that SslStream does not tell a server before it picks a certificate: the ALPN
/// protocol ids (RFC 7301 §3.1). TLS-ALPN-01 (RFC 8737 §3) needs them: a handshake offering "acme-tls/1" gets the
/// challenge certificate instead of the server's own. Read from the first TLS record without consuming it.
/// <code>
///   TLSPlaintext (RFC 8446 §5.1):  type(1)=22 handshake | legacy_record_version(2) | length(2) | fragment
///   Handshake (§4):                msg_type(1)=1 client_hello | length(3)
///   ClientHello (§4.1.2):          legacy_version(2) | random(32) | legacy_session_id&lt;0..32&gt;
///                                  | cipher_suites&lt;2..2^16-2&gt; | legacy_compression_methods&lt;1..2^8-1&gt;
///                                  | extensions&lt;8..2^16-1&gt;: type(2) | length(2) | data
///   ALPN, type 16 (RFC 7301 §3.1): protocol_name_list&lt;2..2^16-1&gt;: length(1) | name
/// </code>
/// </summary>
internal static class ClientHello
{
    public enum Status { Incomplete, Parsed, NotAClientHello }

    private const byte HandshakeRecord = 22;
    private const byte ClientHelloMessage = 1;
    private const ushort AlpnExtension = 16;

    /// <summary>The largest first record worth waiting for (RFC 8446 §5.1: 2^14 bytes plus the 5-byte header).</summary>
    public const int MaxRecordBytes = 16384 + 5;

    /// <summary>Reads the ALPN ids offered by the ClientHello at the start of <paramref name="data"/>; an empty list when it offers none.</summary>
    public static Status TryRead(ReadOnlySequence<byte> data, out IReadOnlyList<SslApplicationProtocol> alpn)
    {
        alpn = [];
        if (data.Length < 5) return data.IsEmpty || data.FirstSpan[0] == HandshakeRecord ? Status.Incomplete : Status.NotAClientHello;
        Span<byte> header = stackalloc byte[5];
        data.Slice(0, 5).CopyTo(header);
        if (header[0] != HandshakeRecord) return Status.NotAClientHello;
        int recordLength = BinaryPrimitives.ReadUInt16BigEndian(header[3..]);
        if (recordLength is 0 or > 16384) return Status.NotAClientHello;
        if (data.Length < 5 + recordLength) return Status.Incomplete;
        var record = data.Slice(5, recordLength).ToArray();
        return Parse(record, out alpn) ? Status.Parsed : Status.NotAClientHello;
    }

    /// <summary>Parses one handshake record's fragment; false when it is not a ClientHello that fits in it.</summary>
    internal static bool Parse(ReadOnlySpan<byte> fragment, out IReadOnlyList<SslApplicationProtocol> alpn)
    {
        alpn = [];
        if (fragment.Length < 4 || fragment[0] != ClientHelloMessage) return false;
        int length = (fragment[1] << 16) | (fragment[2] << 8) | fragment[3];
        if (length > fragment.Length - 4) return false; // split over several records: not waited for (no ALPN seen)
        var hello = fragment.Slice(4, length);

        int at = 2 + 32; // legacy_version, random
        if (!Skip(hello, ref at, lengthBytes: 1)) return false; // legacy_session_id
        if (!Skip(hello, ref at, lengthBytes: 2)) return false; // cipher_suites
        if (!Skip(hello, ref at, lengthBytes: 1)) return false; // legacy_compression_methods
        if (at == hello.Length) return true; // no extensions at all
        if (at + 2 > hello.Length) return false;
        int extensionsLength = BinaryPrimitives.ReadUInt16BigEndian(hello[at..]);
        at += 2;
        if (extensionsLength > hello.Length - at) return false;
        var extensions = hello.Slice(at, extensionsLength);
        for (int i = 0; i + 4 <= extensions.Length;)
        {
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(extensions[i..]);
            int dataLength = BinaryPrimitives.ReadUInt16BigEndian(extensions[(i + 2)..]);
            i += 4;
            if (dataLength > extensions.Length - i) return false;
            if (type == AlpnExtension) return ReadAlpn(extensions.Slice(i, dataLength), out alpn);
            i += dataLength;
        }
        return true;
    }

    private static bool ReadAlpn(ReadOnlySpan<byte> data, out IReadOnlyList<SslApplicationProtocol> alpn)
    {
        alpn = [];
        if (data.Length < 2) return false;
        int listLength = BinaryPrimitives.ReadUInt16BigEndian(data);
        if (listLength != data.Length - 2) return false;
        var list = new List<SslApplicationProtocol>();
        for (int i = 2; i < data.Length;)
        {
            int nameLength = data[i++];
            if (nameLength == 0 || nameLength > data.Length - i) return false; // RFC 7301: names are 1-255 bytes
            list.Add(new SslApplicationProtocol(data.Slice(i, nameLength).ToArray()));
            i += nameLength;
        }
        alpn = list;
        return true;
    }

    private static bool Skip(ReadOnlySpan<byte> hello, ref int at, int lengthBytes)
    {
        if (at + lengthBytes > hello.Length) return false;
        int length = lengthBytes == 1 ? hello[at] : BinaryPrimitives.ReadUInt16BigEndian(hello[at..]);
        at += lengthBytes;
        if (length > hello.Length - at) return false;
        at += length;
        return true;
    }
}
