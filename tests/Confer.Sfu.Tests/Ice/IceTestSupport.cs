using System.Net;
using System.Text;
using Confer.Sfu.Ice;
using Confer.Stun;
using Confer.Stun.Attributes;

namespace Confer.Sfu.Tests.Ice;

/// <summary>Records what a handler sends, into a buffer made once (so the sink itself allocates nothing per packet).</summary>
internal sealed class CapturingSink(ClientTransport transport = ClientTransport.Udp) : IClientSink
{
    private readonly byte[] _last = new byte[2048];

    public ClientTransport Transport => transport;
    public int Count { get; private set; }
    public int LastLength { get; private set; }
    public ReadOnlySpan<byte> Last => _last.AsSpan(0, LastLength);

    public bool Send(ReadOnlySpan<byte> bytes, SocketAddress destination)
    {
        bytes.CopyTo(_last);
        LastLength = bytes.Length;
        Count++;
        return true;
    }

    public void Clear()
    {
        Count = 0;
        LastLength = 0;
    }
}

internal static class IceTest
{
    public static readonly IPEndPoint Server = new(IPAddress.Parse("192.0.2.10"), 3478);

    public static PacketContext Context(CapturingSink sink, IPEndPoint client) =>
        new(new FiveTuple(TransportAddress.FromEndPoint(client), TransportAddress.FromEndPoint(Server), sink.Transport), client.Serialize(), sink);

    public static IPEndPoint Client(int port = 50000) => new(IPAddress.Parse("198.51.100.7"), port);

    /// <summary>How Chrome builds a check (libwebrtc's Connection::Ping): USERNAME, GOOG-NETWORK-INFO, the role, USE-CANDIDATE, PRIORITY, MESSAGE-INTEGRITY, FINGERPRINT.</summary>
    public static byte[] ChromeCheck(string username, string password, bool controlling = true, bool useCandidate = false,
        bool integrity = true, bool fingerprint = true, bool controlled = false, ushort? extraType = null, TransactionId? id = null)
    {
        var buffer = new byte[512];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, id ?? TransactionId.New());
        writer.AddUsername(username);
        writer.AddUInt32((StunAttributeType)0xC057, 0x0001_03E7); // GOOG-NETWORK-INFO: network id, cost (comprehension-optional)
        if (controlling) writer.AddIceControlling(0x1234_5678_9ABC_DEF0);
        if (controlled) writer.AddIceControlled(0x0FED_CBA9_8765_4321);
        if (useCandidate) writer.AddUseCandidate();
        writer.AddPriority(1_853_817_087);
        if (extraType is { } extra) writer.AddUInt32((StunAttributeType)extra, 0);
        if (integrity) writer.AddMessageIntegrity(Encoding.ASCII.GetBytes(password));
        if (fingerprint) writer.AddFingerprint();
        return buffer.AsSpan(0, writer.Length).ToArray();
    }

    public static byte[] Hex(string text) => Convert.FromHexString(string.Concat(text.Where(Uri.IsHexDigit)));

    /// <summary>RFC 5769 §2.1's sample request: USERNAME "evtj:h6vY", password "VOkJxbRl1RmTxUk/WvJxBt", ICE-CONTROLLED.</summary>
    public static readonly byte[] Rfc5769Request = Hex("""
        00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
        00 24 00 04 6e 00 01 ff
        80 29 00 08 93 2f f9 b1 51 26 3b 36
        00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
        00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
        80 28 00 04 e5 7a 3b cf
        """);

    /// <summary>Parses a response that must be well-formed and reads its ERROR-CODE (0 for a success).</summary>
    public static (StunClass Class, int Code, bool Integrity, bool Fingerprint, IPEndPoint? Mapped) Read(ReadOnlySpan<byte> bytes, string password, TransactionId expectedId)
    {
        Assert.True(StunMessage.TryRead(bytes, out var message, out var error), error.ToString());
        Assert.Equal(expectedId, message.TransactionId);
        Assert.Equal(StunMethod.Binding, message.Method);
        int code = 0;
        if (message.TryGetAttribute(StunAttributeType.ErrorCode, out var value)) Assert.True(ErrorCode.TryRead(value, out code, out _));
        IPEndPoint? mapped = message.TryGetXorAddress(StunAttributeType.XorMappedAddress, out var endpoint) ? endpoint : null;
        bool integrity = message.MessageIntegrityOffset >= 0 && MessageIntegrity.VerifySha1(message, Encoding.ASCII.GetBytes(password));
        Assert.True(message.MessageIntegrityOffset < 0 || integrity, "MESSAGE-INTEGRITY present but wrong");
        return (message.Class, code, integrity, Fingerprint.Verify(message), mapped);
    }

    public static TransactionId IdOf(byte[] request) => TransactionId.Read(request.AsSpan(8, 12));

    public static bool HasRole(ReadOnlySpan<byte> request) =>
        StunMessage.TryRead(request, out var m, out _) && (m.HasAttribute(StunAttributeType.IceControlling) || m.HasAttribute(StunAttributeType.IceControlled));
}

/// <summary>Records listener calls.</summary>
internal sealed class RecordingListener : IIceSessionListener
{
    public List<(IceSession Session, IcePath Path)> Selected { get; } = [];
    public List<IceSession> Lost { get; } = [];

    public void OnSelected(IceSession session, IcePath path)
    {
        lock (this) Selected.Add((session, path));
    }

    public void OnConsentLost(IceSession session)
    {
        lock (this) Lost.Add(session);
    }
}
