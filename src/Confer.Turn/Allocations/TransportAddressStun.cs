using System.Buffers.Binary;
using Confer.Stun;
using Confer.Stun.Attributes;

namespace Confer.Turn.Allocations;

/// <summary>
/// A <see cref="TransportAddress"/> read from and written as a STUN address attribute (RFC 8489 §14.1/14.2): the wire
/// side of a transport address, kept beside the codec so Confer.Transport knows nothing of STUN.
/// </summary>
public static class TransportAddressStun
{
    extension(TransportAddress)
    {
        /// <summary>From a decoded address attribute (family 1 or 2, 4 or 16 address bytes).</summary>
        public static TransportAddress FromAttribute(byte family, ReadOnlySpan<byte> address, ushort port) =>
            family == StunAddress.FamilyIPv4
                ? new TransportAddress(BinaryPrimitives.ReadUInt32BigEndian(address), port, false)
                : new TransportAddress(BinaryPrimitives.ReadUInt128BigEndian(address), port, true);
    }

    extension(TransportAddress address)
    {
        /// <summary>Writes an address attribute value (RFC 8489 §14.1/14.2) without allocating.</summary>
        public void WriteAttribute(ref StunMessageWriter writer, StunAttributeType type, bool xor)
        {
            var value = writer.Reserve(type, address.IsIPv6 ? 20 : 8);
            address.WriteValue(value, xor, writer.TransactionId);
        }

        /// <summary>Writes the 8 or 20 byte value of an address attribute.</summary>
        public void WriteValue(Span<byte> value, bool xor, TransactionId transactionId)
        {
            value[0] = 0;
            value[1] = address.IsIPv6 ? StunAddress.FamilyIPv6 : StunAddress.FamilyIPv4;
            ushort cookieHigh = (ushort)(StunMessage.MagicCookie >> 16);
            BinaryPrimitives.WriteUInt16BigEndian(value[2..], xor ? (ushort)(address.Port ^ cookieHigh) : address.Port);
            if (address.IsIPv6)
            {
                BinaryPrimitives.WriteUInt128BigEndian(value[4..], address.Address);
                if (xor)
                {
                    Span<byte> mask = stackalloc byte[16];
                    BinaryPrimitives.WriteUInt32BigEndian(mask, StunMessage.MagicCookie);
                    transactionId.Write(mask[4..]);
                    for (int i = 0; i < 16; i++) value[4 + i] ^= mask[i];
                }
            }
            else
            {
                uint a = (uint)address.Address;
                BinaryPrimitives.WriteUInt32BigEndian(value[4..], xor ? a ^ StunMessage.MagicCookie : a);
            }
        }
    }
}
