using System.Net;
using System.Security.Cryptography;
using System.Text;
using Confer.Stun.Attributes;
using Confer.Stun.Auth;
using static Confer.Stun.Tests.TestVectors;

namespace Confer.Stun.Tests;

/// <summary>RFC 5769 "Test Vectors for STUN", both directions: parse and verify, then re-encode byte for byte.</summary>
public sealed class Rfc5769Tests
{
    private static readonly byte[] ShortTermKey = Encoding.UTF8.GetBytes(ShortTermPassword);

    // The vectors pad some text attributes with spaces; the writer pads with zeros (RFC 8489 §14).
    // To reproduce them exactly, overwrite the padding before MESSAGE-INTEGRITY is computed.
    private static void PadWithSpaces(Span<byte> buffer, int end, int count) => buffer[(end - count)..end].Fill(0x20);

    [Fact]
    public void SampleRequest_Parses()
    {
        var message = Parse(SampleRequest);
        Assert.Equal(StunMessageType.BindingRequest, message.Type);
        Assert.Equal(SampleTransactionId, message.TransactionId);
        Assert.True(message.TryGetAttribute(StunAttributeType.Software, out var software));
        Assert.Equal("STUN test client", Encoding.UTF8.GetString(software));
        Assert.True(message.TryGetAttribute(StunAttributeType.Priority, out var priority));
        Assert.True(Ice.TryReadPriority(priority, out var p));
        Assert.Equal(0x6e0001ffu, p);
        Assert.True(message.TryGetAttribute(StunAttributeType.IceControlled, out var controlled));
        Assert.True(Ice.TryReadTieBreaker(controlled, out var tieBreaker));
        Assert.Equal(0x932ff9b151263b36ul, tieBreaker);
        Assert.True(message.TryGetAttribute(StunAttributeType.Username, out var username));
        Assert.True(StunString.TryRead(StunAttributeType.Username, username, out string user));
        Assert.Equal("evtj:h6vY", user);
    }

    [Fact]
    public void SampleRequest_IntegrityAndFingerprint_Verify()
    {
        var message = Parse(SampleRequest);
        Assert.True(MessageIntegrity.VerifySha1(message, ShortTermKey));
        Assert.True(MessageIntegrity.VerifySha1(message, LongTermKey.ShortTerm(ShortTermPassword)));
        Assert.False(MessageIntegrity.VerifySha1(message, "VOkJxbRl1RmTxUk/WvJxBT"u8));
        Assert.True(Fingerprint.Verify(message));
    }

    [Fact]
    public void SampleRequest_Writer_ReproducesBytes()
    {
        var buffer = FilledBuffer();
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, SampleTransactionId);
        writer.AddSoftware("STUN test client");
        writer.AddPriority(0x6e0001ff);
        writer.AddIceControlled(0x932ff9b151263b36);
        writer.AddUsername("evtj:h6vY");
        PadWithSpaces(buffer, writer.Length, 3);
        writer.AddMessageIntegrity(ShortTermKey);
        writer.AddFingerprint();
        Assert.Equal(Convert.ToHexString(SampleRequest), Convert.ToHexString(writer.Written));
    }

    [Theory]
    [InlineData(false, "192.0.2.1")]
    [InlineData(true, "2001:db8:1234:5678:11:2233:4455:6677")]
    public void SampleResponse_ParsesVerifiesAndReencodes(bool ipv6, string mappedIp)
    {
        byte[] sample = ipv6 ? SampleIPv6Response : SampleIPv4Response;
        var message = Parse(sample);
        Assert.Equal(StunMessageType.BindingSuccess, message.Type);
        Assert.True(message.TryGetAttribute(StunAttributeType.XorMappedAddress, out var value));
        Assert.True(StunAddress.TryRead(value, xor: true, message.TransactionId, out IPEndPoint endpoint));
        Assert.Equal(new IPEndPoint(IPAddress.Parse(mappedIp), 32853), endpoint);
        Assert.True(MessageIntegrity.VerifySha1(message, ShortTermKey));
        Assert.True(Fingerprint.Verify(message));

        var buffer = FilledBuffer();
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingSuccess, SampleTransactionId);
        writer.AddSoftware("test vector");
        PadWithSpaces(buffer, writer.Length, 1);
        writer.AddXorAddress(StunAttributeType.XorMappedAddress, endpoint);
        writer.AddMessageIntegrity(ShortTermKey);
        writer.AddFingerprint();
        Assert.Equal(Convert.ToHexString(sample), Convert.ToHexString(writer.Written));
    }

    [Fact]
    public void SampleLongTermRequest_ParsesAttributes()
    {
        var message = Parse(SampleLongTermRequest);
        Assert.True(message.TryGetAttribute(StunAttributeType.Username, out var username));
        Assert.Equal(LongTermUsername, Encoding.UTF8.GetString(username));
        Assert.True(message.TryGetAttribute(StunAttributeType.Nonce, out var nonce));
        Assert.True(StunString.TryRead(StunAttributeType.Nonce, nonce, out string nonceText));
        Assert.Equal(LongTermNonce, nonceText);
        Assert.True(message.TryGetAttribute(StunAttributeType.Realm, out var realm));
        Assert.True(StunString.TryRead(StunAttributeType.Realm, realm, out string realmText));
        Assert.Equal(LongTermRealm, realmText);
        Assert.Equal(-1, message.FingerprintOffset);
        Assert.False(Fingerprint.Verify(message));
    }

    [Fact]
    public void SampleLongTermRequest_VerifiesWithSaslPreparedPassword()
    {
        // The vector's key is MD5("<username>:example.org:TheMatrIX"): the password after SASLprep.
        var expected = MD5.HashData(Encoding.UTF8.GetBytes($"{LongTermUsername}:{LongTermRealm}:TheMatrIX"));
        var key = LongTermKey.Derive(PasswordAlgorithm.Md5, LongTermUsername, LongTermRealm, LongTermPassword);
        Assert.Equal(expected, key);
        Assert.Equal(key, LongTermKey.Derive(PasswordAlgorithm.Md5, LongTermUsername, LongTermRealm, "TheMatrIX"));

        var message = Parse(SampleLongTermRequest);
        Assert.True(MessageIntegrity.VerifySha1(message, key));
        var unprepared = MD5.HashData(Encoding.UTF8.GetBytes($"{LongTermUsername}:{LongTermRealm}:{LongTermPassword}"));
        Assert.False(MessageIntegrity.VerifySha1(message, unprepared));
    }

    [Fact]
    public void SampleLongTermRequest_Writer_ReproducesBytes()
    {
        var key = LongTermKey.Derive(PasswordAlgorithm.Md5, LongTermUsername, LongTermRealm, LongTermPassword);
        var buffer = FilledBuffer();
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, TransactionId.Read(Hex("78ad3433c6ad72c029da412e")));
        writer.AddUsername(LongTermUsername);
        writer.AddNonce(LongTermNonce);
        writer.AddRealm(LongTermRealm);
        writer.AddMessageIntegrity(key);
        Assert.Equal(Convert.ToHexString(SampleLongTermRequest), Convert.ToHexString(writer.Written));
    }
}
