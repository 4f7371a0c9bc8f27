using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Confer.Stun.Attributes;

namespace Confer.Stun;

/// <summary>
/// The Data indication a TURN server sends when a peer's datagram arrives and no channel is bound to that peer
/// (RFC 8656 §11.3): a STUN header, XOR-PEER-ADDRESS, then DATA, padded to 4 as every attribute is.
/// <code>
/// +--------------------+-----------------------------------+----------------------+------------------+
/// | STUN header (20)   | XOR-PEER-ADDRESS (4 + 8 or 4 + 20)| DATA header (4)      | data, padding    |
/// +--------------------+-----------------------------------+----------------------+------------------+
/// </code>
/// Written without <see cref="StunMessageWriter"/> so a relay can put the header in front of data it received
/// straight into its buffer (<see cref="WriteAround"/>): no copy, no allocation.
/// </summary>
public static class DataIndication
{
    /// <summary>Data, Indication.</summary>
    public static StunMessageType Type => new(StunMethod.Data, StunClass.Indication);

    private static readonly ushort s_wireType = new StunMessageType(StunMethod.Data, StunClass.Indication).ToWire();

    /// <summary>The bytes in front of the data for an IPv6 peer, the most there can be.</summary>
    public const int MaxHeaderLength = StunMessage.HeaderLength + 4 + StunAddress.IPv6Length + 4;

    /// <summary>The bytes in front of the data: header, XOR-PEER-ADDRESS for 4 or 16 address bytes, DATA's attribute header.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int HeaderLength(int addressBytes) => StunMessage.HeaderLength + 4 + StunAddress.EncodedLength(addressBytes) + 4;

    /// <summary>The whole message's length: header, then data padded to 4.</summary>
    public static int MessageLength(int addressBytes, int dataLength) => HeaderLength(addressBytes) + ((dataLength + 3) & ~3);

    /// <summary>The most data one indication carries for a peer address of <paramref name="addressBytes"/> (the message length field is 16 bits).</summary>
    public static int MaxDataLength(int addressBytes) => (ushort.MaxValue - (HeaderLength(addressBytes) - StunMessage.HeaderLength)) & ~3;

    /// <summary>Writes a Data indication carrying a copy of <paramref name="data"/>; returns the message length.</summary>
    public static int Write(Span<byte> destination, TransactionId transactionId, ReadOnlySpan<byte> peerAddress, ushort peerPort, ReadOnlySpan<byte> data)
    {
        int header = HeaderLength(peerAddress.Length);
        if (destination.Length < header + data.Length) throw new ArgumentException("Destination too small for the Data indication.", nameof(destination));
        data.CopyTo(destination[header..]);
        return WriteAround(destination, transactionId, peerAddress, peerPort, data.Length);
    }

    /// <summary>
    /// Writes a Data indication around data already in place: <paramref name="message"/> holds <paramref name="dataLength"/>
    /// bytes at <see cref="HeaderLength"/>(<paramref name="peerAddress"/>.Length). Writes the header, XOR-PEER-ADDRESS (from 4 or
    /// 16 raw address bytes) and DATA's attribute header in front, zero padding after. Returns the message length.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteAround(Span<byte> message, TransactionId transactionId, ReadOnlySpan<byte> peerAddress, ushort peerPort, int dataLength)
    {
        if (peerAddress.Length is not (4 or 16)) throw new ArgumentException("An address is 4 (IPv4) or 16 (IPv6) bytes.", nameof(peerAddress));
        int addressValue = StunAddress.EncodedLength(peerAddress.Length);
        int header = StunMessage.HeaderLength + 4 + addressValue + 4;
        if ((uint)dataLength > (uint)MaxDataLength(peerAddress.Length))
            throw new ArgumentOutOfRangeException(nameof(dataLength), dataLength, "Too much data for one Data indication.");
        int total = header + ((dataLength + 3) & ~3);
        if (message.Length < total) throw new ArgumentException("Message buffer too small for the Data indication.", nameof(message));

        BinaryPrimitives.WriteUInt16BigEndian(message, s_wireType);
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], (ushort)(total - StunMessage.HeaderLength));
        BinaryPrimitives.WriteUInt32BigEndian(message[4..], StunMessage.MagicCookie);
        transactionId.Write(message[8..StunMessage.HeaderLength]);
        var attribute = message[StunMessage.HeaderLength..];
        BinaryPrimitives.WriteUInt16BigEndian(attribute, (ushort)StunAttributeType.XorPeerAddress);
        BinaryPrimitives.WriteUInt16BigEndian(attribute[2..], (ushort)addressValue);
        StunAddress.Write(attribute.Slice(4, addressValue), peerAddress, peerPort, xor: true, transactionId);
        attribute = attribute[(4 + addressValue)..];
        BinaryPrimitives.WriteUInt16BigEndian(attribute, (ushort)StunAttributeType.Data);
        BinaryPrimitives.WriteUInt16BigEndian(attribute[2..], (ushort)dataLength);
        message[(header + dataLength)..total].Clear();
        return total;
    }
}
