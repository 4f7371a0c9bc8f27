using System.Buffers.Binary;
using System.Net;
using System.Text;
using Confer.Stun.Attributes;
using Confer.Stun.Auth;
using static Confer.Stun.Tests.TestVectors;

namespace Confer.Stun.Tests.Attributes;

/// <summary>
/// Every attribute family: written into a 0xFF-filled buffer (so an unset bit shows), compared with
/// the expected wire value, then parsed back with its typed reader.
/// </summary>
public sealed class AttributeRoundTripTests
{
    private delegate void Write(ref StunMessageWriter writer);
    private delegate bool Read(ReadOnlySpan<byte> value, TransactionId id);

    private sealed record Case(StunAttributeType Type, Write Write, string ValueHex, Read Read);

    private static readonly IPEndPoint V4 = new(IPAddress.Parse("192.0.2.1"), 32853);
    private static readonly IPEndPoint V6 = new(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), 32853);
    private static readonly byte[] Hash = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    private static string HexOf(string text) => Convert.ToHexString(Encoding.UTF8.GetBytes(text));

    private static bool Endpoint(ReadOnlySpan<byte> value, TransactionId id, bool xor, IPEndPoint expected) =>
        StunAddress.TryRead(value, xor, id, out IPEndPoint endpoint) && endpoint.Equals(expected);

    private static readonly byte[] V4Bytes = [192, 0, 2, 1];
    private static readonly byte[] V6Bytes = IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677").GetAddressBytes();

    // The allocation-free reader: raw address bytes, no IPEndPoint.
    private static bool Raw(ReadOnlySpan<byte> value, TransactionId id, bool xor, byte[] expected)
    {
        Span<byte> address = stackalloc byte[16];
        return StunAddress.TryRead(value, xor, id, address, out var family, out var port) && port == 32853
            && family == (expected.Length == 4 ? StunAddress.FamilyIPv4 : StunAddress.FamilyIPv6)
            && address[..expected.Length].SequenceEqual(expected);
    }

    private static bool Text(StunAttributeType type, ReadOnlySpan<byte> value, string expected) =>
        StunString.TryRead(type, value, out string text) && text == expected;

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["MappedAddress.v4"] = new(StunAttributeType.MappedAddress, (ref StunMessageWriter w) => w.AddAddress(StunAttributeType.MappedAddress, V4),
            "00018055C0000201", (v, id) => Endpoint(v, id, false, V4)),
        ["MappedAddress.v6"] = new(StunAttributeType.MappedAddress, (ref StunMessageWriter w) => w.AddAddress(StunAttributeType.MappedAddress, V6),
            "0002805520010DB8123456780011223344556677", (v, id) => Endpoint(v, id, false, V6)),
        ["MappedAddress.v4mapped"] = new(StunAttributeType.MappedAddress,
            (ref StunMessageWriter w) => w.AddAddress(StunAttributeType.MappedAddress, new IPEndPoint(IPAddress.Parse("::ffff:192.0.2.1"), 32853)),
            "00018055C0000201", (v, id) => Endpoint(v, id, false, V4)),
        ["XorMappedAddress.v4"] = new(StunAttributeType.XorMappedAddress, (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorMappedAddress, V4),
            "0001A147E112A643", (v, id) => Endpoint(v, id, true, V4)),
        ["XorMappedAddress.v6"] = new(StunAttributeType.XorMappedAddress, (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorMappedAddress, V6),
            "0002A1470113A9FAA5D3F179BC25F4B5BED2B9D9", (v, id) => Endpoint(v, id, true, V6)),
        ["XorPeerAddress"] = new(StunAttributeType.XorPeerAddress, (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorPeerAddress, V4),
            "0001A147E112A643", (v, id) => Endpoint(v, id, true, V4)),
        ["XorRelayedAddress"] = new(StunAttributeType.XorRelayedAddress, (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorRelayedAddress, V6),
            "0002A1470113A9FAA5D3F179BC25F4B5BED2B9D9", (v, id) => Endpoint(v, id, true, V6)),
        ["XorPeerAddress.raw.v4"] = new(StunAttributeType.XorPeerAddress, (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorPeerAddress, V4Bytes, 32853),
            "0001A147E112A643", (v, id) => Raw(v, id, true, V4Bytes) && Endpoint(v, id, true, V4)),
        ["XorPeerAddress.raw.v6"] = new(StunAttributeType.XorPeerAddress, (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorPeerAddress, V6Bytes, 32853),
            "0002A1470113A9FAA5D3F179BC25F4B5BED2B9D9", (v, id) => Raw(v, id, true, V6Bytes) && Endpoint(v, id, true, V6)),
        ["XorRelayedAddress.raw"] = new(StunAttributeType.XorRelayedAddress, (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorRelayedAddress, V4Bytes, 32853),
            "0001A147E112A643", (v, id) => Raw(v, id, true, V4Bytes)),
        ["XorMappedAddress.raw"] = new(StunAttributeType.XorMappedAddress, (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorMappedAddress, V6Bytes, 32853),
            "0002A1470113A9FAA5D3F179BC25F4B5BED2B9D9", (v, id) => Raw(v, id, true, V6Bytes)),
        ["MappedAddress.raw.v4"] = new(StunAttributeType.MappedAddress, (ref StunMessageWriter w) => w.AddAddress(StunAttributeType.MappedAddress, V4Bytes, 32853),
            "00018055C0000201", (v, id) => Raw(v, id, false, V4Bytes) && Endpoint(v, id, false, V4)),
        ["OtherAddress.raw.v6"] = new(StunAttributeType.OtherAddress, (ref StunMessageWriter w) => w.AddAddress(StunAttributeType.OtherAddress, V6Bytes, 32853),
            "0002805520010DB8123456780011223344556677", (v, id) => Raw(v, id, false, V6Bytes) && Endpoint(v, id, false, V6)),
        ["AlternateServer"] = new(StunAttributeType.AlternateServer, (ref StunMessageWriter w) => w.AddAddress(StunAttributeType.AlternateServer, V4),
            "00018055C0000201", (v, id) => Endpoint(v, id, false, V4)),
        ["ResponseOrigin"] = new(StunAttributeType.ResponseOrigin, (ref StunMessageWriter w) => w.AddAddress(StunAttributeType.ResponseOrigin, V6),
            "0002805520010DB8123456780011223344556677", (v, id) => Endpoint(v, id, false, V6)),
        ["OtherAddress"] = new(StunAttributeType.OtherAddress, (ref StunMessageWriter w) => w.AddAddress(StunAttributeType.OtherAddress, V4),
            "00018055C0000201", (v, id) => Endpoint(v, id, false, V4)),
        ["Username"] = new(StunAttributeType.Username, (ref StunMessageWriter w) => w.AddUsername("evtj:h6vY"),
            HexOf("evtj:h6vY"), (v, _id) => Text(StunAttributeType.Username, v, "evtj:h6vY")),
        ["Username.bytes"] = new(StunAttributeType.Username, (ref StunMessageWriter w) => w.AddUsername("1700000000:alice"u8),
            HexOf("1700000000:alice"), (v, _id) => Text(StunAttributeType.Username, v, "1700000000:alice")),
        ["Realm"] = new(StunAttributeType.Realm, (ref StunMessageWriter w) => w.AddRealm("example.org"),
            HexOf("example.org"), (v, _id) => Text(StunAttributeType.Realm, v, "example.org")),
        ["Nonce"] = new(StunAttributeType.Nonce, (ref StunMessageWriter w) => w.AddNonce("f//499k954d6OL34oL9FSTvy64sA"u8),
            HexOf("f//499k954d6OL34oL9FSTvy64sA"), (v, _id) => Text(StunAttributeType.Nonce, v, "f//499k954d6OL34oL9FSTvy64sA")),
        ["Software"] = new(StunAttributeType.Software, (ref StunMessageWriter w) => w.AddSoftware("Confer 1.0"),
            HexOf("Confer 1.0"), (v, _id) => Text(StunAttributeType.Software, v, "Confer 1.0")),
        ["AlternateDomain"] = new(StunAttributeType.AlternateDomain, (ref StunMessageWriter w) => w.AddAlternateDomain("turn.example.org"),
            HexOf("turn.example.org"), (v, _id) => Text(StunAttributeType.AlternateDomain, v, "turn.example.org")),
        ["UserHash"] = new(StunAttributeType.UserHash, (ref StunMessageWriter w) => w.AddUserHash(Hash),
            Convert.ToHexString(Hash), (v, _id) => UserHash.TryRead(v, out var h) && h.SequenceEqual(Hash)),
        ["ErrorCode"] = new(StunAttributeType.ErrorCode, (ref StunMessageWriter w) => w.AddErrorCode(438, "Stale Nonce"),
            "00000426" + HexOf("Stale Nonce"), (v, _id) => ErrorCode.TryRead(v, out var code, out var reason) && code == 438 && reason.SequenceEqual("Stale Nonce"u8)),
        ["ErrorCode.default"] = new(StunAttributeType.ErrorCode, (ref StunMessageWriter w) => w.AddErrorCode(420),
            "00000414" + HexOf("Unknown Attribute"), (v, _id) => ErrorCode.TryRead(v, out var code, out _) && code == 420),
        ["ErrorCode.699"] = new(StunAttributeType.ErrorCode, (ref StunMessageWriter w) => w.AddErrorCode(699, ""),
            "00000663", (v, _id) => ErrorCode.TryRead(v, out var code, out var reason) && code == 699 && reason.IsEmpty),
        ["UnknownAttributes"] = new(StunAttributeType.UnknownAttributes, (ref StunMessageWriter w) => w.AddUnknownAttributes([0x0005, 0x7FFF, 0x0031]),
            "00057FFF0031", (v, _id) => UnknownAttributes.TryRead(v, out int n) && n == 3 && UnknownAttributes.Get(v, 2) == 0x0031),
        ["PasswordAlgorithm"] = new(StunAttributeType.PasswordAlgorithm, (ref StunMessageWriter w) => w.AddPasswordAlgorithm(PasswordAlgorithm.Sha256),
            "00020000", (v, _id) => PasswordAlgorithms.TryReadOne(v, out var a, out var p) && a == PasswordAlgorithm.Sha256 && p.IsEmpty),
        ["PasswordAlgorithms"] = new(StunAttributeType.PasswordAlgorithms,
            (ref StunMessageWriter w) => w.AddPasswordAlgorithms([PasswordAlgorithm.Md5, PasswordAlgorithm.Sha256]),
            "0001000000020000", (v, _id) => PasswordAlgorithms.TryRead(v, out int n) && n == 2 && PasswordAlgorithms.Contains(v, PasswordAlgorithm.Md5)),
        ["ChangeRequest.both"] = new(StunAttributeType.ChangeRequest,
            (ref StunMessageWriter w) => w.AddChangeRequest(ChangeRequestFlags.ChangeIP | ChangeRequestFlags.ChangePort),
            "00000006", (v, _id) => ChangeRequest.TryRead(v, out var f) && f == (ChangeRequestFlags.ChangeIP | ChangeRequestFlags.ChangePort)),
        ["ChangeRequest.ip"] = new(StunAttributeType.ChangeRequest, (ref StunMessageWriter w) => w.AddChangeRequest(ChangeRequestFlags.ChangeIP),
            "00000004", (v, _id) => ChangeRequest.TryRead(v, out var f) && f == ChangeRequestFlags.ChangeIP),
        ["ChangeRequest.port"] = new(StunAttributeType.ChangeRequest, (ref StunMessageWriter w) => w.AddChangeRequest(ChangeRequestFlags.ChangePort),
            "00000002", (v, _id) => ChangeRequest.TryRead(v, out var f) && f == ChangeRequestFlags.ChangePort),
        ["ChangeRequest.none"] = new(StunAttributeType.ChangeRequest, (ref StunMessageWriter w) => w.AddChangeRequest(ChangeRequestFlags.None),
            "00000000", (v, _id) => ChangeRequest.TryRead(v, out var f) && f == ChangeRequestFlags.None),
        ["ResponsePort"] = new(StunAttributeType.ResponsePort, (ref StunMessageWriter w) => w.AddResponsePort(3478),
            "0D960000", (v, _id) => ResponsePort.TryRead(v, out var p) && p == 3478),
        ["Padding"] = new(StunAttributeType.Padding, (ref StunMessageWriter w) => w.AddPadding(5),
            "0000000000", (v, _id) => Padding.TryRead(v, out int n) && n == 5),
        ["Priority"] = new(StunAttributeType.Priority, (ref StunMessageWriter w) => w.AddPriority(0x6e0001ff),
            "6E0001FF", (v, _id) => Ice.TryReadPriority(v, out var p) && p == 0x6e0001ff),
        ["UseCandidate"] = new(StunAttributeType.UseCandidate, (ref StunMessageWriter w) => w.AddUseCandidate(),
            "", (v, _id) => Ice.IsValidUseCandidate(v)),
        ["IceControlled"] = new(StunAttributeType.IceControlled, (ref StunMessageWriter w) => w.AddIceControlled(0x932ff9b151263b36),
            "932FF9B151263B36", (v, _id) => Ice.TryReadTieBreaker(v, out var t) && t == 0x932ff9b151263b36),
        ["IceControlling"] = new(StunAttributeType.IceControlling, (ref StunMessageWriter w) => w.AddIceControlling(1),
            "0000000000000001", (v, _id) => Ice.TryReadTieBreaker(v, out var t) && t == 1),
        ["ChannelNumber"] = new(StunAttributeType.ChannelNumber, (ref StunMessageWriter w) => w.AddChannelNumber(0x4001),
            "40010000", (v, _id) => ChannelNumber.TryRead(v, out var c) && c == 0x4001),
        ["Lifetime"] = new(StunAttributeType.Lifetime, (ref StunMessageWriter w) => w.AddLifetime(600),
            "00000258", (v, _id) => Lifetime.TryRead(v, out var s) && s == 600),
        ["Lifetime.timespan"] = new(StunAttributeType.Lifetime, (ref StunMessageWriter w) => w.AddLifetime(TimeSpan.FromHours(1)),
            "00000E10", (v, _id) => Lifetime.TryRead(v, out var s) && s == 3600),
        ["Data"] = new(StunAttributeType.Data, (ref StunMessageWriter w) => w.AddData("hello"u8),
            HexOf("hello"), (v, _id) => v.SequenceEqual("hello"u8)),
        ["Data.reserved"] = new(StunAttributeType.Data, (ref StunMessageWriter w) => w.ReserveData(3).Fill(0x42),
            "424242", (v, _id) => v.Length == 3),
        ["Data.empty"] = new(StunAttributeType.Data, (ref StunMessageWriter w) => w.AddData([]),
            "", (v, _id) => v.IsEmpty),
        ["RequestedAddressFamily"] = new(StunAttributeType.RequestedAddressFamily,
            (ref StunMessageWriter w) => w.AddRequestedAddressFamily(StunAddressFamily.IPv6),
            "02000000", (v, _id) => AddressFamilyAttribute.TryRead(v, out var f) && f == StunAddressFamily.IPv6),
        ["AdditionalAddressFamily"] = new(StunAttributeType.AdditionalAddressFamily,
            (ref StunMessageWriter w) => w.AddAdditionalAddressFamily(StunAddressFamily.IPv6),
            "02000000", (v, _id) => AddressFamilyAttribute.TryRead(v, out var f) && f == StunAddressFamily.IPv6),
        ["EvenPort.reserve"] = new(StunAttributeType.EvenPort, (ref StunMessageWriter w) => w.AddEvenPort(true),
            "80", (v, _id) => EvenPort.TryRead(v, out var r) && r),
        ["EvenPort.plain"] = new(StunAttributeType.EvenPort, (ref StunMessageWriter w) => w.AddEvenPort(false),
            "00", (v, _id) => EvenPort.TryRead(v, out var r) && !r),
        ["RequestedTransport.udp"] = new(StunAttributeType.RequestedTransport, (ref StunMessageWriter w) => w.AddRequestedTransport(TransportProtocol.Udp),
            "11000000", (v, _id) => RequestedTransport.TryRead(v, out var p) && p == TransportProtocol.Udp),
        ["RequestedTransport.tcp"] = new(StunAttributeType.RequestedTransport, (ref StunMessageWriter w) => w.AddRequestedTransport(TransportProtocol.Tcp),
            "06000000", (v, _id) => RequestedTransport.TryRead(v, out var p) && p == TransportProtocol.Tcp),
        ["DontFragment"] = new(StunAttributeType.DontFragment, (ref StunMessageWriter w) => w.AddDontFragment(),
            "", (v, _id) => TurnData.IsValidDontFragment(v)),
        ["ReservationToken"] = new(StunAttributeType.ReservationToken, (ref StunMessageWriter w) => w.AddReservationToken(0x0102030405060708),
            "0102030405060708", (v, _id) => ReservationToken.TryRead(v, out var t) && t == 0x0102030405060708),
        ["AddressErrorCode"] = new(StunAttributeType.AddressErrorCode,
            (ref StunMessageWriter w) => w.AddAddressErrorCode(StunAddressFamily.IPv6, 440),
            "02000428" + HexOf("Address Family not Supported"),
            (v, _id) => AddressErrorCode.TryRead(v, out var f, out var code, out var reason) && f == StunAddressFamily.IPv6 && code == 440
                && reason.SequenceEqual("Address Family not Supported"u8)),
        ["AddressErrorCode.reason"] = new(StunAttributeType.AddressErrorCode,
            (ref StunMessageWriter w) => w.AddAddressErrorCode(StunAddressFamily.IPv4, 508, "Full"),
            "01000508" + HexOf("Full"), (v, _id) => AddressErrorCode.TryRead(v, out var f, out var code, out _) && f == StunAddressFamily.IPv4 && code == 508),
        ["AddressErrorCode.typed"] = new(StunAttributeType.AddressErrorCode,
            (ref StunMessageWriter w) => w.AddAddressErrorCode(StunAttributeType.AddressErrorCode, StunAddressFamily.IPv4, 508),
            "01000508" + HexOf("Insufficient Capacity"),
            (v, _id) => AddressErrorCode.TryRead(v, out var f, out var code, out var reason) && f == StunAddressFamily.IPv4 && code == 508
                && reason.SequenceEqual("Insufficient Capacity"u8)),
        ["AddressErrorCodeDraft"] = new(StunAttributeType.AddressErrorCodeDraft,
            (ref StunMessageWriter w) => w.AddAddressErrorCode(StunAttributeType.AddressErrorCodeDraft, StunAddressFamily.IPv6, 440),
            "02000428" + HexOf("Address Family not Supported"),
            (v, _id) => AddressErrorCode.TryRead(v, out var f, out var code, out _) && f == StunAddressFamily.IPv6 && code == 440),
        ["Icmp"] = new(StunAttributeType.Icmp, (ref StunMessageWriter w) => w.AddIcmp(3, 4, 1400),
            "0000060400000578", (v, _id) => Icmp.TryRead(v, out var t, out var c, out var d) && t == 3 && c == 4 && d == 1400),
        ["Icmp.max"] = new(StunAttributeType.Icmp, (ref StunMessageWriter w) => w.AddIcmp(127, 511, 0),
            "0000FFFF00000000", (v, _id) => Icmp.TryRead(v, out var t, out var c, out _) && t == 127 && c == 511),
        ["ConnectionId"] = new(StunAttributeType.ConnectionId, (ref StunMessageWriter w) => w.AddConnectionId(0xDEADBEEF),
            "DEADBEEF", (v, _id) => ConnectionId.TryRead(v, out var c) && c == 0xDEADBEEF),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Write_IntoFilledBuffer_ProducesExactBytes_AndReadsBack(string name)
    {
        var c = Cases[name];
        var buffer = FilledBuffer(256);
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, SampleTransactionId);
        c.Write(ref writer);

        var value = Convert.FromHexString(c.ValueHex);
        int padded = (value.Length + 3) & ~3;
        var expected = new byte[4 + padded];
        BinaryPrimitives.WriteUInt16BigEndian(expected, (ushort)c.Type);
        BinaryPrimitives.WriteUInt16BigEndian(expected.AsSpan(2), (ushort)value.Length);
        value.CopyTo(expected, 4);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(writer.Written[StunMessage.HeaderLength..]));
        Assert.Equal(0xFF, buffer[writer.Length]);   // nothing written past the message

        var message = Parse(writer.Written);
        Assert.True(message.TryGetAttribute(c.Type, out var read));
        Assert.True(c.Read(read, message.TransactionId), $"{name}: typed read disagrees");
    }

    public static TheoryData<string> FixedLengthNames => new(Cases.Where(kv => kv.Value.ValueHex.Length > 0 && IsFixed(kv.Value.Type)).Select(kv => kv.Key));

    private static bool IsFixed(StunAttributeType type) => type is not (StunAttributeType.Username or StunAttributeType.Realm
        or StunAttributeType.Nonce or StunAttributeType.Software or StunAttributeType.AlternateDomain or StunAttributeType.ErrorCode
        or StunAttributeType.AddressErrorCode or StunAttributeType.AddressErrorCodeDraft or StunAttributeType.UnknownAttributes or StunAttributeType.PasswordAlgorithms
        or StunAttributeType.Padding or StunAttributeType.Data or StunAttributeType.ResponsePort);

    [Theory]
    [MemberData(nameof(FixedLengthNames))]
    public void Read_WrongLength_IsRejected(string name)
    {
        var c = Cases[name];
        var value = Convert.FromHexString(c.ValueHex);
        Assert.False(c.Read(value[..^1], SampleTransactionId), "one byte short");
        Assert.False(c.Read([.. value, 0, 0, 0, 0], SampleTransactionId), "four bytes long");
        Assert.False(c.Read([], SampleTransactionId), "empty");
    }
}
