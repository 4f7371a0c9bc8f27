using System.Net;
using CsCheck;
using static Confer.Stun.Tests.TestVectors;

namespace Confer.Stun.Tests;

/// <summary>The Data indication writer (RFC 8656 §11.3): exact bytes, parsed back by the codec, written around data in place.</summary>
public sealed class DataIndicationTests
{
    private static readonly byte[] V4 = [192, 0, 2, 1];
    private static readonly byte[] V6 = IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677").GetAddressBytes();

    // Header (type 0x0017 Data indication, length, cookie, RFC 5769's transaction id), XOR-PEER-ADDRESS as in RFC 5769 §2.2/§2.3,
    // DATA with 5 bytes and 3 bytes of zero padding.
    [Theory]
    [InlineData(false, "0017 0018 2112A442 B7E7A701BC34D686FA87DFAE  0012 0008 0001A147E112A643  0013 0005 AAAAAAAAAA 000000")]
    [InlineData(true, "0017 0024 2112A442 B7E7A701BC34D686FA87DFAE  0012 0014 0002A1470113A9FAA5D3F179BC25F4B5BED2B9D9  0013 0005 AAAAAAAAAA 000000")]
    public void Write_IntoFilledBuffer_ProducesExactBytes(bool v6, string expected)
    {
        var buffer = FilledBuffer(128);
        int written = DataIndication.Write(buffer, SampleTransactionId, v6 ? V6 : V4, 32853, [0xAA, 0xAA, 0xAA, 0xAA, 0xAA]);
        Assert.Equal(Convert.ToHexString(Hex(expected)), Convert.ToHexString(buffer, 0, written));
        Assert.Equal(DataIndication.MessageLength(v6 ? 16 : 4, 5), written);
        Assert.Equal(0xFF, buffer[written]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(1203)]
    public void WriteAround_DataInPlace_EqualsTheCopyingWriter(int length)
    {
        var data = Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();
        foreach (var address in new[] { V4, V6 })
        {
            var copied = FilledBuffer(length + 64);
            int copiedLength = DataIndication.Write(copied, SampleTransactionId, address, 3478, data);

            var inPlace = FilledBuffer(length + 64);
            int header = DataIndication.HeaderLength(address.Length);
            data.CopyTo(inPlace, header);
            int inPlaceLength = DataIndication.WriteAround(inPlace, SampleTransactionId, address, 3478, length);

            Assert.Equal(copiedLength, inPlaceLength);
            Assert.Equal(Convert.ToHexString(copied), Convert.ToHexString(inPlace));
        }
    }

    [Fact]
    public void HeaderLengths_LeaveRoomForTheLargest()
    {
        Assert.Equal(36, DataIndication.HeaderLength(4));
        Assert.Equal(48, DataIndication.HeaderLength(16));
        Assert.Equal(DataIndication.MaxHeaderLength, DataIndication.HeaderLength(16));
        Assert.True(ChannelData.HeaderLength <= DataIndication.MaxHeaderLength);
    }

    [Fact]
    public void Write_ParsesBack_AsADataIndication()
    {
        var buffer = new byte[256];
        var id = TransactionId.New();
        int length = DataIndication.Write(buffer, id, V6, 50000, "hello"u8);
        var message = Parse(buffer.AsSpan(0, length));
        Assert.Equal(DataIndication.Type, message.Type);
        Assert.Equal(StunMethod.Data, message.Method);
        Assert.Equal(StunClass.Indication, message.Class);
        Assert.Equal(id, message.TransactionId);
        Assert.True(message.TryGetXorAddress(StunAttributeType.XorPeerAddress, out var peer));
        Assert.Equal(new IPEndPoint(new IPAddress(V6), 50000), peer);
        Assert.True(message.TryGetAttribute(StunAttributeType.Data, out var data));
        Assert.Equal("hello"u8.ToArray(), data.ToArray());
    }

    [Fact]
    public void MaxDataLength_IsTheLongestThatFitsTheLengthField()
    {
        foreach (var address in new[] { V4, V6 })
        {
            int max = DataIndication.MaxDataLength(address.Length);
            Assert.Equal(0, max & 3);
            var buffer = new byte[DataIndication.MessageLength(address.Length, max) + 8];
            int length = DataIndication.WriteAround(buffer, SampleTransactionId, address, 1, max);
            Assert.InRange(length - StunMessage.HeaderLength, ushort.MaxValue - 3, ushort.MaxValue);
            Assert.True(StunMessage.TryRead(buffer.AsSpan(0, length), out _, out _));
            Assert.Throws<ArgumentOutOfRangeException>(() => DataIndication.WriteAround(buffer, SampleTransactionId, address, 1, max + 1));
        }
    }

    [Fact]
    public void BadArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => DataIndication.WriteAround(new byte[64], SampleTransactionId, new byte[5], 1, 0));
        Assert.Throws<ArgumentException>(() => DataIndication.WriteAround(new byte[39], SampleTransactionId, V4, 1, 1));   // 36 + 4 needed
        Assert.Throws<ArgumentOutOfRangeException>(() => DataIndication.WriteAround(new byte[64], SampleTransactionId, V4, 1, -1));
        Assert.Throws<ArgumentException>(() => DataIndication.Write(new byte[40], SampleTransactionId, V4, 1, new byte[5]));
    }

    [Fact]
    public void RandomPeersAndData_RoundTrip()
    {
        Gen.Select(Gen.Byte.Array[16], Gen.Bool, Gen.UShort, Gen.Byte.Array[0, 300], Gen.Byte.Array[12]).Sample((raw, v6, port, data, idBytes) =>
        {
            var address = v6 ? raw : raw[..4];
            var id = TransactionId.Read(idBytes);
            var buffer = FilledBuffer(DataIndication.MessageLength(address.Length, data.Length) + 1);
            int length = DataIndication.Write(buffer, id, address, port, data);
            Assert.Equal(buffer.Length - 1, length);
            Assert.Equal(0xFF, buffer[length]);
            var message = Parse(buffer.AsSpan(0, length));
            Assert.True(message.TryGetAttribute(StunAttributeType.XorPeerAddress, out var value));
            Span<byte> read = stackalloc byte[16];
            Assert.True(Stun.Attributes.StunAddress.TryRead(value, xor: true, id, read, out _, out var readPort));
            Assert.Equal(address, read[..address.Length].ToArray());
            Assert.Equal(port, readPort);
            Assert.True(message.TryGetAttribute(StunAttributeType.Data, out var readData));
            Assert.Equal(data, readData.ToArray());
        }, iter: 2_000);
    }
}
