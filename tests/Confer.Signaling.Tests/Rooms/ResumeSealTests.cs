using Confer.Signaling.Rooms;

namespace Confer.Signaling.Tests.Rooms;

/// <summary>
/// Sealed resume tokens (docs/protocol.md, "Failover: rebuilt sessions"): what is sealed opens unchanged with the same
/// secret before its expiry, and nothing else opens: a changed byte, another secret, an expired token, garbage.
/// </summary>
public sealed class ResumeSealTests
{
    private const string Secret = "resume-seal-test-secret-0123456789abcdef";
    private static readonly long Now = 1_767_225_600_000;

    private static readonly ResumeState State = new("room", "RM_abc", "room notes ünïcode", 50, 300, Now - 1000, true, true, false,
        "PA_abc", "alice", "Alice", null, true, Now - 500, Now + 600_000);

    [Fact]
    public void Sealed_OpensUnchanged_WithTheSameSecret_BeforeItsExpiry()
    {
        var seal = new ResumeSeal(Secret);
        var token = seal.Seal(State)!;
        Assert.StartsWith("s1.", token, StringComparison.Ordinal);
        Assert.Equal(State, new ResumeSeal(Secret).Open(token, Now));
        Assert.NotEqual(token, seal.Seal(State)); // a fresh nonce each time
        Assert.Null(seal.Open(token, State.Expires)); // expired at its expiry
    }

    [Fact]
    public void Changed_OtherSecret_Garbage_DoNotOpen()
    {
        var seal = new ResumeSeal(Secret);
        var token = seal.Seal(State)!;
        for (var i = 3; i < token.Length - 1; i++) // the last character may carry unused bits
        {
            var changed = token[..i] + (token[i] == 'A' ? 'B' : 'A') + token[(i + 1)..];
            Assert.Null(seal.Open(changed, Now));
        }
        Assert.Null(new ResumeSeal(Secret + "x").Open(token, Now));
        foreach (var garbage in new[] { null, "", "s1.", "s1.!!!", "s1.AAAA", "plain-random-token", token[..^4], "s1." + new string('A', 10_000) })
            Assert.Null(seal.Open(garbage, Now));
    }

    [Fact]
    public void TooLargeState_IsNotSealed()
    {
        var seal = new ResumeSeal(Secret);
        Assert.Null(seal.Seal(State with { Metadata = new string('m', ResumeSeal.MaxPlainBytes) }));
        var token = seal.Seal(State with { Metadata = new string('m', 2 * 1024) })!;
        Assert.True(token.Length < 4 * 1024, $"{token.Length} characters");
    }
}
