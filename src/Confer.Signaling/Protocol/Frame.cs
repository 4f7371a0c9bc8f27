using System.Buffers.Text;
using System.Text.Json;

namespace Confer.Signaling.Protocol;

/// <summary>
/// Builds wire frames. A message body is serialized once (<c>{"type":…}</c>) and shared by all its recipients
/// (their queues and resume buffers hold the same array); each recipient's frame is <c>{"v":1,"id":N,</c>
/// followed by the body without its opening brace, written only as the frame goes out (<see cref="Write"/>).
/// </summary>
public static class Frame
{
    public const int Version = 1;

    /// <summary>The most <see cref="Write"/> adds to a body: <c>{"v":1,"id":</c>, up to 20 digits and a comma, less the body's brace.</summary>
    public const int MaxHeaderBytes = 12 + 20 + 1 - 1;

    public static byte[] Serialize(ServerMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, ProtocolJsonContext.Default.ServerMessage);

    /// <summary>Writes the frame for <paramref name="id"/> and a body into <paramref name="destination"/> (at least body + <see cref="MaxHeaderBytes"/>); returns its length.</summary>
    public static int Write(long id, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        ReadOnlySpan<byte> head = "{\"v\":1,\"id\":"u8;
        head.CopyTo(destination);
        Utf8Formatter.TryFormat(id, destination[head.Length..], out var n);
        destination[head.Length + n] = (byte)',';
        body[1..].CopyTo(destination[(head.Length + n + 1)..]);
        return head.Length + n + body.Length;
    }

    /// <summary>The whole frame in a new array (tests, and sinks that cannot write in place).</summary>
    public static byte[] Encode(long id, ReadOnlySpan<byte> body)
    {
        var buffer = new byte[body.Length + MaxHeaderBytes];
        var length = Write(id, body, buffer);
        return buffer.AsSpan(0, length).ToArray();
    }

    /// <summary>A frame about this connection only: <c>id</c> 0, never replayed.</summary>
    public static OutboundFrame Local(ServerMessage message) => new(0, Serialize(message));
}

/// <summary>
/// One frame on its way to one client: the recipient's sequence number and a message body that every recipient
/// shares. <see cref="Length"/> is what the frame will take on the wire, the figure queues and buffers count.
/// </summary>
public readonly record struct OutboundFrame(long Id, byte[] Body)
{
    public int Length => Body.Length + Frame.MaxHeaderBytes;

    /// <summary>The frame's bytes as the client receives them.</summary>
    public byte[] ToArray() => Frame.Encode(Id, Body);
}
