using Confer.Sfu.Srtp;

namespace Confer.Sfu.Tests.Srtp;

public sealed class SrtpMasterKeyTests
{
    [Theory]
    [InlineData(SrtpProfile.Aes128CmHmacSha1Tag80, 60)]
    [InlineData(SrtpProfile.AeadAes128Gcm, 56)]
    public void TrySplitExported_Rfc5764Layout_ClientThenServerKeysThenSalts(SrtpProfile profile, int exportLength)
    {
        byte[] material = Enumerable.Range(0, exportLength).Select(i => (byte)i).ToArray();
        int saltLength = SrtpProfiles.SaltLength(profile);

        Assert.Equal(exportLength, SrtpMasterKey.ExportLength(profile));
        Assert.True(SrtpMasterKey.TrySplitExported(profile, material, out SrtpMasterKey? client, out SrtpMasterKey? server, out _));

        Assert.Equal(material[..16], client.Key.ToArray());
        Assert.Equal(material[16..32], server.Key.ToArray());
        Assert.Equal(material[32..(32 + saltLength)], client.Salt.ToArray());
        Assert.Equal(material[(32 + saltLength)..], server.Salt.ToArray());
        Assert.Equal(profile, server.Profile);
    }

    [Fact]
    public void TryCreate_CopiesTheCallersBytes()
    {
        byte[] key = new byte[16];
        byte[] salt = new byte[12];
        key[0] = 7;

        Assert.True(SrtpMasterKey.TryCreate(SrtpProfile.AeadAes128Gcm, key, salt, out SrtpMasterKey? master, out _));
        key[0] = 0;

        Assert.Equal(7, master.Key[0]);
    }

    [Theory]
    [InlineData(SrtpProfile.Aes128CmHmacSha1Tag80, 16, 12, SrtpError.BadKeyLength)]
    [InlineData(SrtpProfile.AeadAes128Gcm, 16, 14, SrtpError.BadKeyLength)]
    [InlineData(SrtpProfile.AeadAes128Gcm, 32, 12, SrtpError.BadKeyLength)]
    [InlineData((SrtpProfile)0x0002, 16, 14, SrtpError.UnknownProfile)]
    [InlineData((SrtpProfile)0x0008, 32, 12, SrtpError.UnknownProfile)]
    public void TryCreate_WrongLengthsOrProfile_Refused(SrtpProfile profile, int keyLength, int saltLength, SrtpError expected)
    {
        Assert.False(SrtpMasterKey.TryCreate(profile, new byte[keyLength], new byte[saltLength], out _, out SrtpError error));
        Assert.Equal(expected, error);
        Assert.False(SrtpMasterKey.TrySplitExported(profile, new byte[2 * (keyLength + saltLength) + 1], out _, out _, out _));
    }
}
