using System.Net;
using System.Text;
using Confer.Sfu.Session;
using Confer.Sfu.Tests.Session.Client;
using Confer.Stun;
using Confer.Stun.Attributes;
using Xunit.Abstractions;

namespace Confer.Sfu.Tests.Session.Transport;

/// <summary>
/// Mutated ICE checks that pass authentication: the right ufrags and a MESSAGE-INTEGRITY made with the right password,
/// but broken attributes (RFC 8445 §7.1, RFC 8489 §14). Each is answered with the error RFC 8445/8489 asks for, none
/// nominates or refreshes anything, and the connected transport carries media on its path throughout.
/// </summary>
public sealed class IceCheckFuzzTests(ITestOutputHelper output)
{
    private const StunAttributeType UnknownRequired = (StunAttributeType)0x7F01; // comprehension-required range, unassigned
    private const StunAttributeType UnknownOptional = (StunAttributeType)0xC0F1; // comprehension-optional range

    public static TheoryData<string, int> BrokenChecks => new()
    {
        { "USE-CANDIDATE with a value", 400 },
        { "PRIORITY of 2 bytes", 400 },
        { "PRIORITY of 8 bytes", 400 },
        { "ICE-CONTROLLING of 4 bytes", 400 },
        { "ICE-CONTROLLING and ICE-CONTROLLED", 400 },
        { "ICE-CONTROLLED (a lite agent stays controlled)", 487 },
        { "unknown comprehension-required attribute", 420 },
        { "two unknown comprehension-required attributes and a bad PRIORITY", 420 },
    };

    [Theory]
    [MemberData(nameof(BrokenChecks))]
    public void SignedCheck_BrokenAttributes_ErrorAnswered_PathAndMediaUndisturbed(string variant, int expected)
    {
        using var harness = new TransportHarness();
        var (transport, client) = harness.Connect();
        var stranger = harness.NewClient(); // another 5-tuple holding the right credentials
        var selected = transport.IceSession.Selected!.Tuple;
        string username = $"{transport.IceUfrag}:{client.Ufrag}";
        var key = Encoding.ASCII.GetBytes(transport.IcePwd);

        foreach (var from in new[] { client, stranger })
        {
            var (request, id) = Build(variant, username, key);
            var answer = from.Transact(request, id);
            Assert.NotNull(answer);
            Assert.Equal(StunClass.ErrorResponse, answer.Value.Class);
            Assert.Equal(expected, answer.Value.Error);
        }
        Assert.Equal(selected, transport.IceSession.Selected!.Tuple); // the stranger's error nominated nothing
        Assert.Equal(1, transport.IceSession.PathCount); // and made no path
        Assert.Equal(MediaTransportState.Connected, transport.State);
        AssertRoundTrip(transport, client, 1);
        Assert.Equal(0, harness.Server.HandlerExceptions);
    }

    [Fact]
    public void SignedCheck_UnknownOptionalAttribute_IsAValidCheck()
    {
        using var harness = new TransportHarness();
        var (transport, client) = harness.Connect();
        var (request, id) = Build("unknown comprehension-optional attribute", $"{transport.IceUfrag}:{client.Ufrag}", Encoding.ASCII.GetBytes(transport.IcePwd));
        var answer = client.Transact(request, id);
        Assert.Equal(StunClass.SuccessResponse, answer?.Class); // RFC 8489 §14: ignored
        AssertRoundTrip(transport, client, 2);
    }

    /// <summary>Seeded random attribute lists, signed with the right key, dispatched on the test thread from the client's tuple.</summary>
    [Fact]
    public void SignedChecks_RandomAttributes_NeverThrow_TransportKeepsItsPath()
    {
        var random = new Random(SrtpPathFuzzTests.Seed(output));
        using var harness = new TransportHarness();
        var (transport, client) = harness.Connect();
        var selected = transport.IceSession.Selected!.Tuple;
        SocketAddress from = client.LocalEndPoint.Serialize();
        string username = $"{transport.IceUfrag}:{client.Ufrag}";
        var key = Encoding.ASCII.GetBytes(transport.IcePwd);
        StunAttributeType[] types =
        [
            StunAttributeType.Priority, StunAttributeType.UseCandidate, StunAttributeType.IceControlling, StunAttributeType.IceControlled,
            StunAttributeType.Username, StunAttributeType.Software, StunAttributeType.ErrorCode, UnknownRequired, UnknownOptional,
            (StunAttributeType)0x0000, (StunAttributeType)0x7FFF, (StunAttributeType)0xFFFF,
        ];
        var buffer = new byte[1400];
        var value = new byte[64];
        for (int i = 0; i < 3000; i++)
        {
            var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, TransactionId.New());
            writer.AddUsername(username);
            for (int a = random.Next(0, 6); a > 0; a--)
            {
                var type = types[random.Next(types.Length)];
                int length = random.Next(4) switch { 0 => 0, 1 => 4, 2 => 8, _ => random.Next(1, value.Length) };
                random.NextBytes(value.AsSpan(0, length));
                writer.Add(type, value.AsSpan(0, length));
            }
            writer.AddMessageIntegrity(key);
            if (random.Next(8) == 0) writer.AddUInt32(StunAttributeType.Priority, (uint)random.Next()); // after the MAC: ignored
            writer.AddFingerprint();
            var request = writer.Written.ToArray();
            if (random.Next(10) == 0) request[random.Next(20, request.Length)] ^= (byte)(1 << random.Next(8)); // and a few broken MACs
            harness.Server.Dispatch(request, from);
        }
        Assert.Equal(selected, transport.IceSession.Selected!.Tuple);
        Assert.Equal(MediaTransportState.Connected, transport.State);
        AssertRoundTrip(transport, client, 3);
        Assert.Equal(0, harness.Server.HandlerExceptions);
    }

    private static (byte[] Request, TransactionId Id) Build(string variant, string username, byte[] key)
    {
        var id = TransactionId.New();
        var buffer = new byte[512];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, id);
        writer.AddUsername(username);
        switch (variant)
        {
            case "USE-CANDIDATE with a value":
                writer.AddIceControlling(7);
                writer.AddPriority(1);
                writer.Add(StunAttributeType.UseCandidate, [1, 2, 3, 4]);
                break;
            case "PRIORITY of 2 bytes":
                writer.AddIceControlling(7);
                writer.Add(StunAttributeType.Priority, [1, 2]);
                writer.AddUseCandidate();
                break;
            case "PRIORITY of 8 bytes":
                writer.AddIceControlling(7);
                writer.AddUInt64(StunAttributeType.Priority, 1);
                writer.AddUseCandidate();
                break;
            case "ICE-CONTROLLING of 4 bytes":
                writer.AddUInt32(StunAttributeType.IceControlling, 7);
                writer.AddPriority(1);
                writer.AddUseCandidate();
                break;
            case "ICE-CONTROLLING and ICE-CONTROLLED":
                writer.AddIceControlling(7);
                writer.AddUInt64(StunAttributeType.IceControlled, 8);
                writer.AddPriority(1);
                writer.AddUseCandidate();
                break;
            case "ICE-CONTROLLED (a lite agent stays controlled)":
                writer.AddUInt64(StunAttributeType.IceControlled, 8);
                writer.AddPriority(1);
                writer.AddUseCandidate();
                break;
            case "unknown comprehension-required attribute":
                writer.AddIceControlling(7);
                writer.AddPriority(1);
                writer.AddUseCandidate();
                writer.AddUInt32(UnknownRequired, 0xDEAD_BEEF);
                break;
            case "two unknown comprehension-required attributes and a bad PRIORITY":
                writer.AddUInt32(UnknownRequired, 1);
                writer.Add(StunAttributeType.Priority, [1]);
                writer.AddFlag((StunAttributeType)0x0031);
                writer.AddUseCandidate();
                break;
            case "unknown comprehension-optional attribute":
                writer.AddIceControlling(7);
                writer.AddPriority(1);
                writer.AddUseCandidate();
                writer.AddUInt32(UnknownOptional, 0xDEAD_BEEF);
                break;
            default:
                throw new ArgumentException(variant);
        }
        writer.AddMessageIntegrity(key);
        writer.AddFingerprint();
        return (writer.Written.ToArray(), id);
    }

    private static void AssertRoundTrip(MediaTransport transport, SfuTestClient client, int n)
    {
        var plain = SfuTestClient.RtpPacket((ushort)(400 + n), ssrc: 0x5151_0000);
        var buffer = new byte[plain.Length + IRtpPacketSender.ProtectionHeadroom];
        plain.CopyTo(buffer, 0);
        Assert.True(transport.SendRtp(buffer, plain.Length));
        Assert.Equal(plain, client.ReceiveMedia(3000));
    }
}
