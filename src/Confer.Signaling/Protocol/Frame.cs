using System.Buffers.Text;
using System.Text.Json;

namespace Confer.Signaling.Protocol;

/// <summary>
/// Builds wire frames. A message body is serialized once (<c>{"type":…}</c>) and each recipient's frame
/// is <c>{"v":1,"id":N,</c> followed by the body without its opening brace, so fan-out costs one copy.
/// </summary>
public static class Frame
{
    public const int Version = 1;

    public static byte[] Serialize(ServerMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, ProtocolJsonContext.Default.ServerMessage);

    public static byte[] Encode(long id, ReadOnlySpan<byte> body)
    {
        ReadOnlySpan<byte> head = "{\"v\":1,\"id\":"u8;
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(id, digits, out var n);
        var frame = new byte[head.Length + n + 1 + body.Length - 1];
        head.CopyTo(frame);
        digits[..n].CopyTo(frame.AsSpan(head.Length));
        frame[head.Length + n] = (byte)',';
        body[1..].CopyTo(frame.AsSpan(head.Length + n + 1));
        return frame;
    }

    /// <summary>A frame about this connection only: <c>id</c> 0, never replayed.</summary>
    public static byte[] Local(ServerMessage message) => Encode(0, Serialize(message));
}
