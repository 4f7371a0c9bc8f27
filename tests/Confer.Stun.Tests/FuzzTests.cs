using System.Buffers.Binary;
using System.Net;
using Confer.Stun.Attributes;
using CsCheck;
using static Confer.Stun.Tests.TestVectors;

namespace Confer.Stun.Tests;

/// <summary>
/// Property tests: random and mutated bytes never make the codec throw, from parsing, from walking
/// attributes, from any typed reader or from verification (a listener never dies of what a stranger sent).
/// </summary>
public sealed class FuzzTests
{
    private const int Iterations = 10_000;
    private static readonly byte[] Key = "key"u8.ToArray();

    private static readonly byte[][] Seeds =
        [SampleRequest, SampleIPv4Response, SampleIPv6Response, SampleLongTermRequest, TurnSeed(), ChannelDataSeed()];

    private static byte[] TurnSeed()
    {
        var buffer = new byte[512];
        var writer = new StunMessageWriter(buffer, new StunMessageType(StunMethod.Allocate, StunClass.ErrorResponse), SampleTransactionId);
        writer.AddErrorCode(401);
        writer.AddAddressErrorCode(StunAddressFamily.IPv6, 440);
        writer.AddUnknownAttributes([0x0005, 0x7000]);
        writer.AddPasswordAlgorithms([Stun.Auth.PasswordAlgorithm.Md5, Stun.Auth.PasswordAlgorithm.Sha256]);
        writer.AddXorAddress(StunAttributeType.XorRelayedAddress, new IPEndPoint(IPAddress.Parse("2001:db8::9"), 50000));
        writer.AddEvenPort(true);
        writer.AddIcmp(3, 4, 1400);
        writer.AddChannelNumber(0x4000);
        writer.AddRealm("example.org");
        writer.AddMessageIntegrity(Key);
        writer.AddMessageIntegritySha256(Key, 16);
        writer.AddFingerprint();
        return writer.Written.ToArray();
    }

    private static byte[] ChannelDataSeed()
    {
        var buffer = new byte[40];
        int length = ChannelData.Write(buffer, 0x4001, new byte[33], pad: true);
        return buffer[..length];
    }

    /// <summary>Everything a server might call on untrusted bytes.</summary>
    private static void Probe(byte[] bytes)
    {
        StunMessage.LooksLikeStun(bytes);
        if (ChannelData.LooksLikeChannelData(bytes) && ChannelData.TryRead(bytes, out var channelData))
            Assert.True(channelData.Data.Length <= bytes.Length - ChannelData.HeaderLength);
        if (ChannelData.TryRead(bytes, rfc5766Range: true, out var wide))
            Assert.True(ChannelData.IsRfc5766Channel(wide.Channel) && wide.Data.Length <= bytes.Length - ChannelData.HeaderLength);
        if (StunFraming.TryGetFrameLength(bytes, out int frameLength, out _, out _))
            Assert.InRange(frameLength, 4, bytes.Length);
        ProbeValue(bytes, SampleTransactionId);

        if (!StunMessage.TryRead(bytes, out var message, out var error))
        {
            Assert.NotEqual(StunError.None, error);
            return;
        }
        foreach (var attribute in message.Attributes)
        {
            Assert.InRange(attribute.Offset + 4 + attribute.Value.Length, StunMessage.HeaderLength, bytes.Length);
            ProbeValue(attribute.Value, message.TransactionId);
        }
        MessageIntegrity.VerifySha1(message, Key);
        MessageIntegrity.VerifySha256(message, Key);
        Fingerprint.Verify(message);
        Span<ushort> unknown = stackalloc ushort[8];
        message.GetUnknownComprehensionRequired(unknown);
        message.GetUnknownComprehensionRequired([StunAttributeType.Username], unknown);
        message.TryGetXorAddress(StunAttributeType.XorMappedAddress, out _);
        message.TryGetAddress(StunAttributeType.MappedAddress, out _);
    }

    /// <summary>Every typed reader over one value.</summary>
    private static void ProbeValue(ReadOnlySpan<byte> value, TransactionId id)
    {
        Span<byte> address = stackalloc byte[16];
        StunAddress.TryRead(value, xor: true, id, address, out _, out _);
        StunAddress.TryRead(value, xor: false, id, out IPEndPoint _);
        foreach (var type in (ReadOnlySpan<StunAttributeType>)[StunAttributeType.Username, StunAttributeType.Realm,
                     StunAttributeType.Nonce, StunAttributeType.Software, StunAttributeType.AlternateDomain])
            StunString.TryRead(type, value, out ReadOnlySpan<byte> _);
        UserHash.TryRead(value, out _);
        ErrorCode.TryRead(value, out _, out _);
        AddressErrorCode.TryRead(value, out _, out _, out _);
        Span<ushort> types = stackalloc ushort[4];
        UnknownAttributes.TryRead(value, types, out _);
        if (UnknownAttributes.TryRead(value, out int count) && count > 0) UnknownAttributes.Get(value, count - 1);
        PasswordAlgorithms.TryRead(value, out _);
        PasswordAlgorithms.TryReadOne(value, out _, out _);
        foreach (var entry in PasswordAlgorithms.Enumerate(value)) Assert.True(entry.Parameters.Length <= value.Length);
        ChangeRequest.TryRead(value, out _);
        ResponsePort.TryRead(value, out _);
        Padding.TryRead(value, out _);
        Ice.TryReadPriority(value, out _);
        Ice.TryReadTieBreaker(value, out _);
        ChannelNumber.TryRead(value, out _);
        Lifetime.TryRead(value, out _);
        RequestedTransport.TryRead(value, out _);
        AddressFamilyAttribute.TryRead(value, out _);
        EvenPort.TryRead(value, out _);
        ReservationToken.TryRead(value, out _);
        Icmp.TryRead(value, out _, out _, out _);
        ConnectionId.TryRead(value, out _);
    }

    private static readonly Gen<byte[]> Mutations =
        from seed in Gen.Int[0, Seeds.Length - 1]
        from kind in Gen.Int[0, 5]
        from position in Gen.Int[0, 1 << 16]
        from bit in Gen.Int[0, 7]
        from number in Gen.UShort
        from extra in Gen.Byte.Array[0, 24]
        select Mutate(Seeds[seed], kind, position, bit, number, extra);

    private static byte[] Mutate(byte[] seed, int kind, int position, int bit, ushort number, byte[] extra)
    {
        var bytes = seed.ToArray();
        int at = position % bytes.Length;
        switch (kind)
        {
            case 0: // bit flips
                bytes[at] ^= (byte)(1 << bit);
                bytes[(at * 7 + 3) % bytes.Length] ^= (byte)(1 << ((bit + 3) & 7));
                return bytes;
            case 1: // truncation, header length left alone
                return bytes[..at];
            case 2: // truncation with the header length made to agree
                bytes = bytes[..(StunMessage.HeaderLength + ((Math.Max(at, StunMessage.HeaderLength) - StunMessage.HeaderLength) & ~3))];
                if (bytes.Length >= 4) BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)(bytes.Length - StunMessage.HeaderLength));
                return bytes;
            case 3: // the header's length field
                if (bytes.Length >= 4) BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), number);
                return bytes;
            case 4: // an attribute's length field: attributes start at multiples of 4 after the header
                int field = StunMessage.HeaderLength + 2 + ((at & ~3) % Math.Max(4, bytes.Length - StunMessage.HeaderLength));
                if (field + 2 <= bytes.Length) BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(field), (ushort)(number % 64));
                return bytes;
            default: // bytes appended (a 4-aligned tail keeps the header length consistent)
                bytes = [.. bytes, .. extra[..(extra.Length & ~3)]];
                if (bytes.Length >= 4) BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)(bytes.Length - StunMessage.HeaderLength));
                return bytes;
        }
    }

    [Fact]
    public void RandomBytes_NeverThrow() => Gen.Byte.Array[0, 200].Sample(Probe, iter: Iterations);

    [Fact]
    public void RandomAttributeSoup_BehindValidHeader_NeverThrows()
    {
        var gen = Gen.Byte.Array[0, 50].Select(words =>
        {
            // A valid header followed by random bytes, four at a time, so the attribute walk is what gets tested.
            var body = new byte[words.Length * 4];
            new Random(words.Length == 0 ? 1 : words[0]).NextBytes(body);
            for (int i = 0; i < words.Length; i += 3) body[i * 4 + 2] = 0;   // keep many lengths small
            var bytes = new byte[StunMessage.HeaderLength + body.Length];
            SampleRequest.AsSpan(0, StunMessage.HeaderLength).CopyTo(bytes);
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)body.Length);
            body.CopyTo(bytes, StunMessage.HeaderLength);
            return bytes;
        });
        gen.Sample(Probe, iter: Iterations);
    }

    [Fact]
    public void MutatedMessages_NeverThrow() => Mutations.Sample(Probe, iter: Iterations);

    [Fact]
    public void Seeds_AreValid()
    {
        foreach (var seed in Seeds[..^1]) Assert.True(StunMessage.TryRead(seed, out _, out _));
        var turn = Parse(Seeds[4]);
        Assert.True(MessageIntegrity.VerifySha1(turn, Key));
        Assert.True(MessageIntegrity.VerifySha256(turn, Key));
        Assert.True(Fingerprint.Verify(turn));
    }

    [Fact]
    public void RandomAttributeLists_RoundTrip()
    {
        var attribute = Gen.Select(Gen.UShort, Gen.Byte.Array[0, 40]);
        attribute.Array[0, 12].Sample(list =>
        {
            // MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT change what follows; they have their own tests.
            var plain = list.Where(a => a.Item1 is not (0x0008 or 0x001C or 0x8028)).ToArray();
            var buffer = new byte[1024];
            var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, SampleTransactionId);
            foreach (var (type, value) in plain) writer.Add((StunAttributeType)type, value);
            var message = Parse(writer.Written);
            int i = 0;
            foreach (var read in message.Attributes)
            {
                Assert.Equal(plain[i].Item1, (ushort)read.Type);
                Assert.Equal(plain[i].Item2, read.Value.ToArray());
                i++;
            }
            Assert.Equal(plain.Length, i);
        }, iter: 2_000);
    }

    [Fact]
    public void XorAddresses_RoundTrip()
    {
        Gen.Select(Gen.Byte.Array[16], Gen.Bool, Gen.UShort, Gen.Byte.Array[12]).Sample((raw, v6, port, id) =>
        {
            var endpoint = new IPEndPoint(new IPAddress(v6 ? raw : raw[..4]), port);
            var transactionId = TransactionId.Read(id);
            Span<byte> value = stackalloc byte[20];
            int length = StunAddress.EncodedLength(endpoint.Address);
            StunAddress.Write(value[..length], endpoint, xor: true, transactionId);
            Assert.True(StunAddress.TryRead(value[..length], xor: true, transactionId, out IPEndPoint read));
            Assert.Equal(StunAddress.Normalize(endpoint.Address), read.Address);
            Assert.Equal(port, read.Port);
        }, iter: 2_000);
    }

    [Fact]
    public void XorAddresses_RawBytes_RoundTrip()
    {
        Gen.Select(Gen.Byte.Array[16], Gen.Bool, Gen.UShort, Gen.Byte.Array[12], Gen.Bool).Sample((raw, v6, port, id, xor) =>
        {
            var address = v6 ? raw : raw[..4];
            var transactionId = TransactionId.Read(id);
            var value = FilledBuffer(21);
            int length = StunAddress.Write(value, address, port, xor, transactionId);
            Assert.Equal(StunAddress.EncodedLength(address.Length), length);
            Assert.Equal(0xFF, value[length]);
            Span<byte> read = stackalloc byte[16];
            Assert.True(StunAddress.TryRead(value.AsSpan(0, length), xor, transactionId, read, out var family, out var readPort));
            Assert.Equal(v6 ? StunAddress.FamilyIPv6 : StunAddress.FamilyIPv4, family);
            Assert.Equal(address, read[..address.Length].ToArray());
            Assert.Equal(port, readPort);
            // Truncated or extended by a byte: false, never a throw.
            Assert.False(StunAddress.TryRead(value.AsSpan(0, length - 1), xor, transactionId, read, out _, out _));
            Assert.False(StunAddress.TryRead(value.AsSpan(0, length + 1), xor, transactionId, read, out _, out _));
        }, iter: 2_000);
    }
}
