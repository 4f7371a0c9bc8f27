using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace Confer.Transport.Tests.Support;

/// <summary>
/// The tests' protocol above the transport. A datagram is answered with the client's address as the transport saw it
/// (16 address bytes and 2 port bytes) followed by the datagram; a stream frame is answered with itself. A frame whose
/// body is "TAKE" makes the handler take the connection over (<see cref="RawEcho"/>).
/// </summary>
internal sealed class EchoHandler : IPacketHandler
{
    public static ReadOnlySpan<byte> Take => "TAKE"u8;

    public ConcurrentQueue<FiveTuple> Closed { get; } = new();

    public int Packets => Volatile.Read(ref _packets);

    private int _packets;

    public void OnPacket(ReadOnlySpan<byte> packet, in PacketContext context)
    {
        Interlocked.Increment(ref _packets);
        if (context.Tuple.Transport == ClientTransport.Udp)
        {
            var reply = new byte[18 + packet.Length];
            BinaryPrimitives.WriteUInt128BigEndian(reply, context.Tuple.Client.Address);
            BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(16), context.Tuple.Client.Port);
            packet.CopyTo(reply.AsSpan(18));
            context.Reply(reply);
            return;
        }
        context.Reply(packet);
        if (packet[LengthFramer.Header..].SequenceEqual(Take) && context.Sink is IStreamClientSink stream) stream.Upgraded = new RawEcho();
    }

    public void OnConnectionClosed(in FiveTuple tuple) => Closed.Enqueue(tuple);

    /// <summary>Decodes a UDP reply's address part.</summary>
    public static TransportAddress ClientOf(ReadOnlySpan<byte> reply) =>
        new(BinaryPrimitives.ReadUInt128BigEndian(reply), BinaryPrimitives.ReadUInt16BigEndian(reply[16..]), false);
}

/// <summary>Frames of a 2-byte big-endian length and that many bytes; a length with the top bit set is "not this protocol".</summary>
internal sealed class LengthFramer : IStreamFramer
{
    public const int Header = 2;

    public static readonly LengthFramer Instance = new();

    public int MaxFrameLength => Header + 0x7FFF;

    public int HeaderLength => Header;

    public bool TryGetFrameLength(ReadOnlySpan<byte> buffer, out int frameLength, out bool needMore)
    {
        frameLength = 0;
        needMore = false;
        if (buffer.Length < Header) { needMore = true; return false; }
        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        if ((length & 0x8000) != 0) return false;
        frameLength = Header + length;
        if (buffer.Length < frameLength) { needMore = true; return false; }
        return true;
    }

    public static byte[] Frame(ReadOnlySpan<byte> body)
    {
        var frame = new byte[Header + body.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)body.Length);
        body.CopyTo(frame.AsSpan(Header));
        return frame;
    }
}

/// <summary>A taken-over connection: echoes raw bytes until the client closes.</summary>
internal sealed class RawEcho : IStreamTakeover
{
    public async Task RunAsync(Socket client, byte[] toClient, byte[] fromClient)
    {
        await client.SendAsync(toClient);
        await client.SendAsync(fromClient);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                int n = await client.ReceiveAsync(buffer);
                if (n == 0) break;
                await client.SendAsync(buffer.AsMemory(0, n));
            }
        }
        catch (SocketException)
        {
        }
        client.Shutdown(SocketShutdown.Both);
    }

    public async Task RunAsync(IDuplexPipe client, byte[] fromClient, CancellationToken cancellationToken)
    {
        await client.Output.WriteAsync(fromClient, cancellationToken);
        while (true)
        {
            var result = await client.Input.ReadAsync(cancellationToken);
            foreach (var segment in result.Buffer) await client.Output.WriteAsync(segment, cancellationToken);
            client.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled) break;
        }
    }
}
