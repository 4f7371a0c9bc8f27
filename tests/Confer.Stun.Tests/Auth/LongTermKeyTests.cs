using System.Security.Cryptography;
using System.Text;
using Confer.Stun.Auth;

namespace Confer.Stun.Tests.Auth;

public sealed class LongTermKeyTests
{
    [Theory]
    [InlineData("TheMatrIX", "TheMatrIX")]
    [InlineData("The\u00ADM\u00AAtr\u2168", "TheMatrIX")]        // RFC 5769 §2.4's password
    [InlineData("I\u00ADX", "IX")]                               // soft hyphen mapped to nothing (RFC 4013 §2.2)
    [InlineData("a\u00A0b\u3000c", "a b c")]                     // non-ASCII spaces become U+0020
    [InlineData("\uFF21\uFF42\uFF43", "Abc")]                    // full-width ASCII
    [InlineData("x\u00B2", "x2")]
    [InlineData("\u2173", "iv")]
    [InlineData("\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9", "\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9")]
    [InlineData("", "")]
    public void Prepare_SaslPrep(string input, string expected)
    {
        Assert.Equal(expected, LongTermKey.Prepare(input));
    }

    [Fact]
    public void Prepare_Ascii_ReturnsSameInstance()
    {
        var password = "p4ss:word";
        Assert.Same(password, LongTermKey.Prepare(password));
    }

    [Fact]
    public void Derive_Md5AndSha256()
    {
        var input = Encoding.UTF8.GetBytes("user:realm:pass");
        Assert.Equal(MD5.HashData(input), LongTermKey.Derive(PasswordAlgorithm.Md5, "user", "realm", "pass"));
        Assert.Equal(SHA256.HashData(input), LongTermKey.Derive(PasswordAlgorithm.Sha256, "user", "realm", "pass"));
        Assert.Equal(16, LongTermKey.KeyLength(PasswordAlgorithm.Md5));
        Assert.Equal(32, LongTermKey.KeyLength(PasswordAlgorithm.Sha256));
        Assert.Throws<ArgumentOutOfRangeException>(() => LongTermKey.Derive((PasswordAlgorithm)9, "u", "r", "p"));
    }

    [Fact]
    public void UserHash_IsSha256OfUsernameAndRealm()
    {
        Assert.Equal(SHA256.HashData("user:realm"u8), LongTermKey.UserHash("user", "realm"));
    }
}
