using Confer.Sfu.Dtls;

namespace Confer.Sfu.Tests.Dtls;

public sealed class DtlsSrtpKeysTests
{
    [Theory]
    [InlineData(DtlsSrtpProfile.AeadAes128Gcm, 16, 12)]
    [InlineData(DtlsSrtpProfile.Aes128CmHmacSha1_80, 16, 14)]
    public void TrySplit_Rfc5764Layout_KeysThenSalts(ushort profile, int keyLength, int saltLength)
    {
        // RFC 5764 §4.2: client key | server key | client salt | server salt.
        var material = Enumerable.Range(0, 2 * (keyLength + saltLength)).Select(i => (byte)i).ToArray();

        Assert.True(DtlsSrtpKeys.TrySplit(profile, material, out var keys));

        Assert.Equal(profile, keys!.ProfileId);
        Assert.Equal(material[..keyLength], keys.ClientKey);
        Assert.Equal(material[keyLength..(2 * keyLength)], keys.ServerKey);
        Assert.Equal(material[(2 * keyLength)..((2 * keyLength) + saltLength)], keys.ClientSalt);
        Assert.Equal(material[((2 * keyLength) + saltLength)..], keys.ServerSalt);
        Assert.Equal(material, keys.ToMaterial());
    }

    [Theory]
    [InlineData(DtlsSrtpProfile.AeadAes128Gcm, 55)]
    [InlineData(DtlsSrtpProfile.Aes128CmHmacSha1_80, 56)]
    [InlineData((ushort)0x0002, 60)]
    public void TrySplit_WrongLengthOrProfile_False(ushort profile, int length)
    {
        Assert.False(DtlsSrtpKeys.TrySplit(profile, new byte[length], out var keys));
        Assert.Null(keys);
    }

    [Fact]
    public void MaterialLength_Profiles_Rfc5764AndRfc7714()
    {
        Assert.Equal(56, DtlsSrtpProfile.MaterialLength(DtlsSrtpProfile.AeadAes128Gcm));
        Assert.Equal(60, DtlsSrtpProfile.MaterialLength(DtlsSrtpProfile.Aes128CmHmacSha1_80));
    }

    [Fact]
    public void Validate_ImpossibleSettings_ThrowWithSentence()
    {
        new DtlsSettings().Validate();
        Assert.Contains("HandshakeTimeout", Assert.Throws<ArgumentException>(() => new DtlsSettings { HandshakeTimeout = TimeSpan.Zero }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("Mtu", Assert.Throws<ArgumentException>(() => new DtlsSettings { Mtu = 100 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("MaxQueuedBytes", Assert.Throws<ArgumentException>(() => new DtlsSettings { MaxQueuedBytes = 100 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("SrtpProfiles", Assert.Throws<ArgumentException>(() => new DtlsSettings { SrtpProfiles = [2] }.Validate()).Message, StringComparison.Ordinal);
    }
}
