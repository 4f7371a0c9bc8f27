using System.Buffers.Binary;
using Confer.Stun.Attributes;
using static Confer.Stun.Tests.TestVectors;

namespace Confer.Stun.Tests;

public sealed class StunMessageTests
{
    private static byte[] Message(params (ushort Type, byte[] Value)[] attributes)
    {
        var buffer = new byte[4096];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, SampleTransactionId);
        foreach (var (type, value) in attributes) writer.Add((StunAttributeType)type, value);
        return writer.Written.ToArray();
    }

    private static StunError ReadError(byte[] bytes)
    {
        Assert.False(StunMessage.TryRead(bytes, out _, out var error));
        return error;
    }

    [Fact]
    public void TryRead_Header_Fields()
    {
        var message = Parse(SampleIPv4Response);
        Assert.Equal(StunMethod.Binding, message.Method);
        Assert.Equal(StunClass.SuccessResponse, message.Class);
        Assert.Equal(SampleIPv4Response.Length, message.Bytes.Length);
        Assert.True(StunMessage.LooksLikeStun(SampleIPv4Response));
    }

    [Fact]
    public void TryRead_TooShort() => Assert.Equal(StunError.TooShort, ReadError(SampleRequest[..19]));

    [Fact]
    public void TryRead_FirstBitsSet_NotStun()
    {
        var bytes = SampleRequest.ToArray();
        bytes[0] |= 0x40;
        Assert.Equal(StunError.NotStun, ReadError(bytes));
        Assert.False(StunMessage.LooksLikeStun(bytes));
    }

    [Fact]
    public void TryRead_BadCookie()
    {
        var bytes = SampleRequest.ToArray();
        bytes[5] ^= 1;
        Assert.Equal(StunError.BadMagicCookie, ReadError(bytes));
    }

    [Fact]
    public void TryRead_UnalignedLength()
    {
        var bytes = SampleRequest.ToArray();
        bytes[3] += 2;
        Assert.Equal(StunError.UnalignedLength, ReadError(bytes));
    }

    [Fact]
    public void TryRead_LengthDisagreesWithBytes()
    {
        Assert.Equal(StunError.LengthMismatch, ReadError(SampleRequest[..^4]));
        Assert.Equal(StunError.LengthMismatch, ReadError([.. SampleRequest, 0, 0, 0, 0]));
    }

    [Fact]
    public void TryRead_AttributeRunsPastEnd()
    {
        var bytes = Message((0x8022, [1, 2, 3, 4]));
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(22), 5);
        Assert.Equal(StunError.AttributeTruncated, ReadError(bytes));
    }

    [Fact]
    public void TryRead_TooManyAttributes()
    {
        var attributes = Enumerable.Repeat(((ushort)0x8022, Array.Empty<byte>()), StunMessage.MaxAttributes + 1).ToArray();
        Assert.Equal(StunError.TooManyAttributes, ReadError(Message(attributes)));
        Assert.True(StunMessage.TryRead(Message(attributes[1..]), out _, out _));
    }

    [Fact]
    public void TryRead_FingerprintNotLast_IsError()
    {
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, SampleTransactionId);
        writer.AddFingerprint();
        writer.AddSoftware("after");
        Assert.Equal(StunError.AttributeAfterIntegrity, ReadError(writer.Written.ToArray()));
    }

    [Fact]
    public void Attributes_EnumeratesInOrderWithOffsets()
    {
        var message = Parse(SampleRequest);
        var types = new List<StunAttributeType>();
        var offsets = new List<int>();
        foreach (var attribute in message.Attributes)
        {
            types.Add(attribute.Type);
            offsets.Add(attribute.Offset);
        }
        Assert.Equal([StunAttributeType.Software, StunAttributeType.Priority, StunAttributeType.IceControlled,
            StunAttributeType.Username, StunAttributeType.MessageIntegrity, StunAttributeType.Fingerprint], types);
        Assert.Equal([20, 40, 48, 60, 76, 100], offsets);
        Assert.Equal(76, message.MessageIntegrityOffset);
        Assert.Equal(100, message.FingerprintOffset);
        Assert.Equal(-1, message.MessageIntegritySha256Offset);
    }

    [Fact]
    public void AttributesAfterIntegrity_AreIgnored_AndIntegrityStillVerifies()
    {
        var key = "key"u8.ToArray();
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, SampleTransactionId);
        writer.AddSoftware("before");
        writer.AddMessageIntegrity(key);
        writer.AddUsername("after");           // ignored: follows MESSAGE-INTEGRITY (RFC 8489 §14.5)
        writer.AddMessageIntegrity(key);       // a second one is ignored too
        writer.AddFingerprint();               // FINGERPRINT still counts
        var message = Parse(writer.Written);
        Assert.True(message.HasAttribute(StunAttributeType.Software));
        Assert.False(message.HasAttribute(StunAttributeType.Username));
        Assert.True(message.HasAttribute(StunAttributeType.Fingerprint));
        Assert.True(MessageIntegrity.VerifySha1(message, key));
        Assert.True(Fingerprint.Verify(message));
        int count = 0;
        foreach (var _ in message.Attributes) count++;
        Assert.Equal(3, count);
    }

    [Fact]
    public void IntegritySha256First_IgnoresLaterIntegrity()
    {
        var key = "key"u8.ToArray();
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, SampleTransactionId);
        writer.AddMessageIntegritySha256(key);
        writer.AddMessageIntegrity(key);
        var message = Parse(writer.Written);
        Assert.Equal(-1, message.MessageIntegrityOffset);
        Assert.True(MessageIntegrity.VerifySha256(message, key));
        Assert.False(MessageIntegrity.VerifySha1(message, key));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(20)]
    [InlineData(24)]
    [InlineData(28)]
    [InlineData(32)]
    public void IntegritySha256_Truncated_Verifies(int length)
    {
        var key = "key"u8.ToArray();
        var buffer = FilledBuffer(256);
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, SampleTransactionId);
        writer.AddSoftware("x");
        writer.AddMessageIntegritySha256(key, length);
        writer.AddFingerprint();
        var message = Parse(writer.Written);
        Assert.Equal(length, BinaryPrimitives.ReadUInt16BigEndian(message.Bytes[(message.MessageIntegritySha256Offset + 2)..]));
        Assert.True(MessageIntegrity.VerifySha256(message, key));
        Assert.True(Fingerprint.Verify(message));

        var tampered = writer.Written.ToArray();
        tampered[message.MessageIntegritySha256Offset + 4 + length - 1] ^= 1;
        Assert.False(MessageIntegrity.VerifySha256(Parse(tampered), key));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(12)]
    [InlineData(18)]
    [InlineData(36)]
    public void IntegritySha256_BadLength_DoesNotVerify(int length)
    {
        var bytes = Message((0x001C, new byte[length]));
        Assert.False(MessageIntegrity.VerifySha256(Parse(bytes), "key"u8));
    }

    [Theory]
    [InlineData(12)]
    [InlineData(18)]
    [InlineData(36)]
    public void Writer_IntegritySha256_BadLength_Throws(int length)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            var writer = new StunMessageWriter(new byte[128], StunMessageType.BindingRequest, SampleTransactionId);
            writer.AddMessageIntegritySha256("key"u8, length);
        });
    }

    [Fact]
    public void Integrity_WrongLength_DoesNotVerify()
    {
        Assert.False(MessageIntegrity.VerifySha1(Parse(Message((0x0008, new byte[16]))), "key"u8));
        Assert.False(Fingerprint.Verify(Parse(Message((0x8028, new byte[8])))));
    }

    [Fact]
    public void Integrity_TamperedByte_DoesNotVerify()
    {
        var bytes = SampleRequest.ToArray();
        bytes[30] ^= 0x01;   // inside SOFTWARE
        var message = Parse(bytes);
        Assert.False(MessageIntegrity.VerifySha1(message, "VOkJxbRl1RmTxUk/WvJxBt"u8));
        Assert.False(Fingerprint.Verify(message));
    }

    [Fact]
    public void DefaultMessage_VerifiesNothingAndHasNoAttributes()
    {
        var message = default(StunMessage);
        Assert.False(MessageIntegrity.VerifySha1(message, "key"u8));
        Assert.False(MessageIntegrity.VerifySha256(message, "key"u8));
        Assert.False(Fingerprint.Verify(message));
        Assert.False(message.HasAttribute(StunAttributeType.Software));
    }

    [Fact]
    public void EmptyValues_Enumerate()
    {
        var message = Parse(Message((0x0025, []), (0x001A, [])));
        Assert.True(message.TryGetAttribute(StunAttributeType.UseCandidate, out var useCandidate));
        Assert.True(Ice.IsValidUseCandidate(useCandidate));
        Assert.True(message.TryGetAttribute(StunAttributeType.DontFragment, out var dontFragment));
        Assert.True(TurnData.IsValidDontFragment(dontFragment));
    }

    [Fact]
    public void TryGetAttribute_ReturnsFirstOfDuplicates()
    {
        var message = Parse(Message((0x000D, [0, 0, 0, 1]), (0x000D, [0, 0, 0, 2])));
        Assert.True(message.TryGetAttribute(StunAttributeType.Lifetime, out var value));
        Assert.True(Lifetime.TryRead(value, out var seconds));
        Assert.Equal(1u, seconds);
    }

    [Fact]
    public void GetUnknownComprehensionRequired_ListsEachUnknownOnce()
    {
        var message = Parse(Message((0x0005, []), (0x8FFF, [1]), (0x0006, [0x61]), (0x7FFF, [1, 2]), (0x0005, [])));
        Span<ushort> unknown = stackalloc ushort[8];
        int count = message.GetUnknownComprehensionRequired(unknown);
        Assert.Equal([0x0005, 0x7FFF], unknown[..count].ToArray());

        count = message.GetUnknownComprehensionRequired([StunAttributeType.Software], unknown);
        Assert.Equal([0x0005, 0x0006, 0x7FFF], unknown[..count].ToArray());

        count = message.GetUnknownComprehensionRequired([StunAttributeType.Username, (StunAttributeType)0x0005, (StunAttributeType)0x7FFF], unknown);
        Assert.Equal(0, count);

        count = message.GetUnknownComprehensionRequired(unknown[..1]);
        Assert.Equal(1, count);
        Assert.Equal(0x0005, unknown[0]);
    }

    [Fact]
    public void IsKnown_CoversEveryDefinedType()
    {
        foreach (var type in Enum.GetValues<StunAttributeType>()) Assert.True(type.IsKnown(), type.ToString());
        Assert.False(((StunAttributeType)0x0005).IsKnown());
        Assert.True(StunAttributeType.Username.IsComprehensionRequired());
        Assert.False(StunAttributeType.Software.IsComprehensionRequired());
    }

    [Fact]
    public void TryGetXorAddress_And_TryGetAddress()
    {
        var message = Parse(SampleIPv6Response);
        Assert.True(message.TryGetXorAddress(StunAttributeType.XorMappedAddress, out var mapped));
        Assert.Equal(System.Net.IPEndPoint.Parse("[2001:db8:1234:5678:11:2233:4455:6677]:32853"), mapped);
        Assert.False(message.TryGetXorAddress(StunAttributeType.XorPeerAddress, out _));
        Assert.False(message.TryGetAddress(StunAttributeType.Software, out _));   // present, but not an address

        var buffer = new byte[128];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingSuccess, SampleTransactionId);
        writer.AddAddress(StunAttributeType.OtherAddress, System.Net.IPEndPoint.Parse("192.0.2.7:3479"));
        Assert.True(Parse(writer.Written).TryGetAddress(StunAttributeType.OtherAddress, out var other));
        Assert.Equal(System.Net.IPEndPoint.Parse("192.0.2.7:3479"), other);
    }

    [Fact]
    public void RepeatedXorPeerAddresses_AreAllEnumerated()
    {
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, new StunMessageType(StunMethod.CreatePermission, StunClass.Request), SampleTransactionId);
        writer.AddXorAddress(StunAttributeType.XorPeerAddress, System.Net.IPEndPoint.Parse("192.0.2.1:1"));
        writer.AddXorAddress(StunAttributeType.XorPeerAddress, System.Net.IPEndPoint.Parse("[2001:db8::2]:2"));
        var peers = new List<System.Net.IPEndPoint>();
        foreach (var attribute in Parse(writer.Written).Attributes)
        {
            if (attribute.Type == StunAttributeType.XorPeerAddress
                && StunAddress.TryRead(attribute.Value, xor: true, SampleTransactionId, out System.Net.IPEndPoint peer))
                peers.Add(peer);
        }
        Assert.Equal([System.Net.IPEndPoint.Parse("192.0.2.1:1"), System.Net.IPEndPoint.Parse("[2001:db8::2]:2")], peers);
    }

    [Fact]
    public void BrowserStyleIceCheck_HasNoUnknownComprehensionRequired()
    {
        // Shaped like a browser's ICE connectivity check: USERNAME, a comprehension-optional vendor
        // attribute (0xC057), ICE-CONTROLLING, USE-CANDIDATE, PRIORITY, MESSAGE-INTEGRITY, FINGERPRINT.
        var key = "remote-ice-pwd"u8.ToArray();
        var buffer = FilledBuffer(256);
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, TransactionId.New());
        writer.AddUsername("rfrag:lfrag");
        writer.Add((StunAttributeType)0xC057, [0x00, 0x02, 0x00, 0x0A]);
        writer.AddIceControlling(0x1122334455667788);
        writer.AddUseCandidate();
        writer.AddPriority(0x6E7F1EFF);
        writer.AddMessageIntegrity(key);
        writer.AddFingerprint();
        var message = Parse(writer.Written);
        Span<ushort> unknown = stackalloc ushort[4];
        Assert.Equal(0, message.GetUnknownComprehensionRequired(unknown));
        Assert.True(MessageIntegrity.VerifySha1(message, key));
        Assert.True(Fingerprint.Verify(message));
    }
}
