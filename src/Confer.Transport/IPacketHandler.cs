namespace Confer.Transport;

/// <summary>What transports hand packets to: bytes, where they came from, and a way to answer.</summary>
public interface IPacketHandler
{
    /// <summary>Handles one datagram or one framed TCP message. Must not throw for any input.</summary>
    void OnPacket(ReadOnlySpan<byte> packet, in PacketContext context);

    /// <summary>A TCP/TLS client connection closed (TURN: its allocation, if any, goes with it, RFC 8656 §3.1).</summary>
    void OnConnectionClosed(in FiveTuple tuple);
}
