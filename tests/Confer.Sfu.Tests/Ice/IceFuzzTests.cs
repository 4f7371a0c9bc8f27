using Confer.Sfu.Ice;
using CsCheck;
using Microsoft.Extensions.Time.Testing;
using static Confer.Sfu.Tests.Ice.IceTest;

namespace Confer.Sfu.Tests.Ice;

/// <summary>Whatever a stranger sends, the handler answers or drops; it never throws and never selects a path it should not.</summary>
public sealed class IceFuzzTests
{
    [Fact]
    public void Handle_RandomBytes_NeverThrows()
    {
        using var table = new IceSessionTable(new IceOptions(), new FakeTimeProvider());
        var handler = new IceCheckHandler(table);
        var sink = new CapturingSink();
        Gen.Byte.Array[0, 200].Sample(bytes => { handler.Handle(bytes, Context(sink, Client())); }, iter: 20_000);
    }

    [Fact]
    public void Handle_MutatedValidCheck_NeverThrowsAndOnlyValidOnesSucceed()
    {
        using var table = new IceSessionTable(new IceOptions(), new FakeTimeProvider());
        var handler = new IceCheckHandler(table);
        Assert.True(table.TryCreate("cLnT", out var session));
        var check = ChromeCheck($"{session.LocalUfrag}:cLnT", session.Local.Password, useCandidate: true);
        var sink = new CapturingSink();
        var mutation = Gen.Select(Gen.Int[0, check.Length - 1], Gen.Byte, Gen.Int[0, check.Length]);
        mutation.Sample((index, value, cut) =>
        {
            var bytes = (byte[])check.Clone();
            bytes[index] = value;
            var result = handler.Handle(bytes.AsSpan(0, cut), Context(sink, Client()));
            // A changed byte before FINGERPRINT's value is caught by it (or by MESSAGE-INTEGRITY): only the untouched whole succeeds.
            bool untouched = cut == check.Length && value == check[index];
            if (result is IceCheckResult.Success or IceCheckResult.Nominated) Assert.True(untouched, $"index {index} value {value} cut {cut}");
        }, iter: 20_000);
    }

    [Fact]
    public void TryParseCandidate_RandomText_NeverThrows()
    {
        Gen.String.Sample(text => { IceCandidate.TryParse(text, out _); }, iter: 20_000);
        Gen.Select(Gen.Int[0, 12], Gen.String["0123456789 abcdefghijklmnopqrstuvwxyz.:"]).Sample((n, s) =>
        {
            IceCandidate.TryParse("candidate:" + string.Join(' ', Enumerable.Repeat(s, n)), out _);
        }, iter: 5_000);
    }

    [Fact]
    public void TryGetFrameLength_RandomBytes_NeverThrows()
    {
        Gen.Byte.Array[0, 8].Sample(bytes =>
        {
            if (IceTcpFramer.Instance.TryGetFrameLength(bytes, out int length, out _)) Assert.InRange(length, 3, bytes.Length);
        }, iter: 10_000);
    }
}
