using Confer.Sfu.Ice;

namespace Confer.Sfu.Tests.Ice;

public sealed class IceCredentialsTests
{
    [Fact]
    public void Generate_Defaults_IceCharsOfRfcLengths()
    {
        var credentials = IceCredentials.Generate();
        Assert.Equal(8, credentials.Ufrag.Length);
        Assert.Equal(24, credentials.Password.Length);
        Assert.True(IceCredentials.IsValidUfrag(credentials.Ufrag));
        Assert.True(IceCredentials.IsValidPassword(credentials.Password));
    }

    [Fact]
    public void Generate_ManyTimes_Distinct()
    {
        var seen = new HashSet<string>();
        for (int i = 0; i < 1000; i++) Assert.True(seen.Add(IceCredentials.Generate().Ufrag));
    }

    [Fact]
    public void Generate_TooShort_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => IceCredentials.Generate(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => IceCredentials.Generate(4, 21));
        Assert.Equal(4, IceCredentials.Generate(4, 22).Ufrag.Length);
    }

    [Theory]
    [InlineData("abcd", true)]
    [InlineData("ab+/", true)]
    [InlineData("abc", false)]
    [InlineData("ab:d", false)]
    [InlineData("ab d", false)]
    [InlineData("abcé", false)]
    public void IsValidUfrag_Table(string ufrag, bool valid) => Assert.Equal(valid, IceCredentials.IsValidUfrag(ufrag));

    [Fact]
    public void ToString_NeverShowsThePassword()
    {
        var credentials = IceCredentials.Generate();
        Assert.DoesNotContain(credentials.Password, credentials.ToString());
    }
}
