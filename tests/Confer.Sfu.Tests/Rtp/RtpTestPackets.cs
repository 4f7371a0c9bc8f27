namespace Confer.Sfu.Tests.Rtp;

/// <summary>Hand-built RTP packets laid out field by field from RFC 3550 §5.1 and RFC 8285 §4.2/§4.3.</summary>
internal static class RtpTestPackets
{
    /// <summary>P=1 X=1 CC=1 M=1 PT=96, one-byte extensions: id 1 abs-send-time, id 3 transport-cc, a padding byte, id 2 mid "a1".</summary>
    public static byte[] OneByte() =>
    [
        0xB1, 0xE0, 0x12, 0x34,             // V=2 P=1 X=1 CC=1 | M=1 PT=96 | seq 0x1234
        0xDE, 0xAD, 0xBE, 0xEF,             // timestamp
        0x11, 0x22, 0x33, 0x44,             // SSRC
        0xCA, 0xFE, 0xBA, 0xBE,             // CSRC
        0xBE, 0xDE, 0x00, 0x03,             // one-byte profile, 3 words
        0x12, 0x01, 0x02, 0x03,             // id 1, L=2: abs-send-time 0x010203
        0x31, 0x00, 0x2A,                   // id 3, L=1: transport-wide seq 42
        0x00,                               // padding byte
        0x21, (byte)'a', (byte)'1',         // id 2, L=1: mid "a1"
        0x00,                               // padding to the word
        0xAA, 0xBB, 0xCC,                   // payload
        0x00, 0x00, 0x03,                   // RTP padding, count 3
    ];

    /// <summary>X=1 two-byte form (0x1000): id 1 audio level (V=1, 16), a padding byte, id 5 rid "hig", id 10 empty.</summary>
    public static byte[] TwoByte() =>
    [
        0x90, 0x6F, 0xFF, 0xFF,             // V=2 X=1 | M=0 PT=111 | seq 65535
        0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x02,
        0x10, 0x00, 0x00, 0x03,             // two-byte profile, 3 words
        0x01, 0x01, 0x90,                   // id 1, length 1: V=1 level 16
        0x00,                               // padding byte
        0x05, 0x03, (byte)'h', (byte)'i', (byte)'g',
        0x0A, 0x00,                         // id 10, length 0
        0x00,
        0x01, 0x02, 0x03, 0x04,             // payload
    ];

    /// <summary>A minimal header with no CSRCs, extension or padding and a 4-byte payload.</summary>
    public static byte[] Plain() =>
    [
        0x80, 0x60, 0x00, 0x07,
        0x00, 0x00, 0x10, 0x00,
        0xAB, 0xCD, 0xEF, 0x01,
        0x01, 0x02, 0x03, 0x04,
    ];
}
