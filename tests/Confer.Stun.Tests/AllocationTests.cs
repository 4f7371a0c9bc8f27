using Confer.Stun.Attributes;
using static Confer.Stun.Tests.TestVectors;

namespace Confer.Stun.Tests;

/// <summary>The hot path allocates nothing: parse, walk attributes, read typed values, check FINGERPRINT and integrity.</summary>
public sealed class AllocationTests
{
    private static int ParseAndWalk(byte[] bytes, byte[] key)
    {
        if (!StunMessage.TryRead(bytes, out var message, out _)) return -1;
        int sum = 0;
        foreach (var attribute in message.Attributes) sum += attribute.Value.Length + (int)attribute.Type;
        if (message.TryGetAttribute(StunAttributeType.Priority, out var priority) && Ice.TryReadPriority(priority, out var p)) sum += (int)(p & 0xFF);
        if (message.TryGetAttribute(StunAttributeType.Username, out var username) && StunString.TryRead(StunAttributeType.Username, username, out ReadOnlySpan<byte> user)) sum += user.Length;
        if (message.TryGetAttribute(StunAttributeType.XorMappedAddress, out var mapped))
        {
            Span<byte> address = stackalloc byte[16];
            if (StunAddress.TryRead(mapped, xor: true, message.TransactionId, address, out _, out var port)) sum += port;
        }
        Span<ushort> unknown = stackalloc ushort[4];
        sum += message.GetUnknownComprehensionRequired(unknown);
        if (Fingerprint.Verify(message)) sum++;
        if (MessageIntegrity.VerifySha1(message, key)) sum++;
        return sum;
    }

    [Fact]
    public void ParseAndIterate_BindingRequest_AllocatesNothing()
    {
        var key = "VOkJxbRl1RmTxUk/WvJxBt"u8.ToArray();
        Assert.Equal(ParseAndWalk(SampleRequest, key), ParseAndWalk(SampleRequest, key));
        for (int i = 0; i < 2_000; i++) ParseAndWalk(SampleRequest, key);
        for (int i = 0; i < 2_000; i++) ParseAndWalk(SampleIPv6Response, key);

        long before = GC.GetAllocatedBytesForCurrentThread();
        int total = 0;
        for (int i = 0; i < 1_000; i++) total += ParseAndWalk(SampleRequest, key) + ParseAndWalk(SampleIPv6Response, key);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(total > 0);
        Assert.Equal(0, allocated);
    }
}
