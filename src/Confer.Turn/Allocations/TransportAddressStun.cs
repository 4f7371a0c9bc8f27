using System.Runtime.CompilerServices;
using Confer.Stun;
using Confer.Stun.Attributes;

namespace Confer.Turn.Allocations;

/// <summary>
/// A <see cref="TransportAddress"/> in and out of STUN address attributes (RFC 8489 §14.1–14.2), through the codec's one
/// address encoder and decoder (<see cref="StunAddress"/>). Kept apart from <see cref="TransportAddress"/>, which knows
/// no protocol. Allocation-free.
/// </summary>
public static class TransportAddressStun
{
    /// <summary>Reads an address attribute's value (XOR-PEER-ADDRESS and the like with <paramref name="xor"/>); false when malformed.</summary>
    public static bool TryReadAddress(ReadOnlySpan<byte> value, bool xor, TransactionId transactionId, out TransportAddress address)
    {
        address = default;
        Span<byte> bytes = stackalloc byte[16];
        if (!StunAddress.TryRead(value, xor, transactionId, bytes, out byte family, out ushort port)) return false;
        address = TransportAddress.FromAddressBytes(family == StunAddress.FamilyIPv4 ? bytes[..4] : bytes, port);
        return true;
    }

    /// <summary>Writes the address as an attribute of <paramref name="type"/>, XOR-encoded when <paramref name="xor"/>.</summary>
    public static void WriteAttribute(this in TransportAddress address, ref StunMessageWriter writer, StunAttributeType type, bool xor)
    {
        Span<byte> bytes = stackalloc byte[16];
        var raw = bytes[..address.WriteAddressBytes(bytes)];
        if (xor) writer.AddXorAddress(type, raw, address.Port);
        else writer.AddAddress(type, raw, address.Port);
    }

    /// <summary>
    /// Writes a Data indication from <paramref name="peer"/> around <paramref name="dataLength"/> bytes already in place at
    /// <see cref="DataIndication.HeaderLength"/> of <paramref name="message"/> (RFC 8656 §11.3); returns the message length.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteDataIndicationAround(this in TransportAddress peer, Span<byte> message, TransactionId transactionId, int dataLength)
    {
        Span<byte> bytes = stackalloc byte[16];
        return DataIndication.WriteAround(message, transactionId, bytes[..peer.WriteAddressBytes(bytes)], peer.Port, dataLength);
    }
}
