namespace Confer.Stun.Tests;

public sealed class TransactionIdTests
{
    [Fact]
    public void ReadWrite_RoundTrips()
    {
        var bytes = TestVectors.Hex("b7e7a701bc34d686fa87dfae");
        var id = TransactionId.Read(bytes);
        Assert.Equal("b7e7a701bc34d686fa87dfae", id.ToString());
        var written = new byte[TransactionId.Length];
        id.Write(written);
        Assert.Equal(bytes, written);
    }

    [Fact]
    public void New_IsRandom()
    {
        Assert.NotEqual(TransactionId.New(), TransactionId.New());
    }
}
