using System.Net;
using System.Net.Sockets;
using Confer.Stun;
using Confer.Stun.Attributes;

namespace Confer.Turn.Tests.Support;

internal delegate void WriteAttributes(ref StunMessageWriter writer);

/// <summary>A received message copied out of its buffer, for assertions.</summary>
internal sealed class Received
{
    public required byte[] Bytes { get; init; }
    public required StunMessageType Type { get; init; }
    public required TransactionId TransactionId { get; init; }
    public required Dictionary<StunAttributeType, byte[]> Attributes { get; init; }
    public required bool FingerprintValid { get; init; }
    public IPEndPoint? From { get; init; }

    public int? ErrorCode => Attributes.TryGetValue(StunAttributeType.ErrorCode, out var v) && Stun.Attributes.ErrorCode.TryRead(v, out int code, out _) ? code : null;

    public IPEndPoint Address(StunAttributeType type, bool xor)
    {
        Assert.True(Attributes.TryGetValue(type, out var value), $"{type} missing");
        Assert.True(StunAddress.TryRead(value, xor, TransactionId, out var endpoint));
        return endpoint;
    }

    public string String(StunAttributeType type) => System.Text.Encoding.UTF8.GetString(Attributes[type]);

    public static Received Parse(ReadOnlySpan<byte> bytes, IPEndPoint? from = null)
    {
        Assert.True(StunMessage.TryRead(bytes, out var message, out var error), $"not STUN: {error}");
        var attributes = new Dictionary<StunAttributeType, byte[]>();
        foreach (var a in message.Attributes) attributes.TryAdd(a.Type, a.Value.ToArray());
        return new Received
        {
            Bytes = bytes.ToArray(), Type = message.Type, TransactionId = message.TransactionId, Attributes = attributes,
            FingerprintValid = Fingerprint.Verify(message), From = from,
        };
    }
}

internal static class StunTestMessages
{
    public static byte[] Build(StunMethod method, StunClass @class, WriteAttributes? attributes = null, bool fingerprint = true, TransactionId? id = null)
    {
        var buffer = new byte[2048];
        var writer = new StunMessageWriter(buffer, new StunMessageType(method, @class), id ?? TransactionId.New());
        attributes?.Invoke(ref writer);
        if (fingerprint) writer.AddFingerprint();
        return writer.Written.ToArray();
    }

    /// <summary>
    /// An unsigned Allocate that could succeed once signed (REQUESTED-TRANSPORT UDP): what gets the 401 with REALM and
    /// NONCE. One without REQUESTED-TRANSPORT gets no answer at all.
    /// </summary>
    public static byte[] AllocateChallenge() =>
        Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24));

    public static byte[] Request(StunMethod method, WriteAttributes? attributes = null, bool fingerprint = true) =>
        Build(method, StunClass.Request, attributes, fingerprint);
}

/// <summary>A UDP client socket on 127.0.0.1.</summary>
internal sealed class UdpTestClient : IDisposable
{
    public UdpTestClient(IPAddress? address = null)
    {
        address ??= IPAddress.Loopback;
        Socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        Socket.Bind(new IPEndPoint(address, 0));
    }

    public Socket Socket { get; }
    public IPEndPoint LocalEndPoint => (IPEndPoint)Socket.LocalEndPoint!;

    public Task SendAsync(byte[] bytes, IPEndPoint to) => Socket.SendToAsync(bytes, SocketFlags.None, to);

    /// <summary>The next datagram, or null after <paramref name="timeoutMs"/>.</summary>
    public async Task<(byte[] Bytes, IPEndPoint From)?> ReceiveRawAsync(int timeoutMs = 2000)
    {
        var buffer = new byte[65536];
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            var any = Socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
            var result = await Socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(any, 0), cts.Token);
            return (buffer[..result.ReceivedBytes], (IPEndPoint)result.RemoteEndPoint);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async Task<Received> ReceiveAsync(int timeoutMs = 2000)
    {
        var raw = await ReceiveRawAsync(timeoutMs);
        Assert.True(raw.HasValue, "no reply");
        return Received.Parse(raw.Value.Bytes, raw.Value.From);
    }

    public async Task<Received> RequestAsync(byte[] request, IPEndPoint server)
    {
        await SendAsync(request, server);
        return await ReceiveAsync();
    }

    public void Dispose() => Socket.Dispose();
}

/// <summary>A TCP client that reads whole STUN/ChannelData frames.</summary>
internal sealed class TcpTestClient : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<byte> _pending = [];

    public static async Task<TcpTestClient> ConnectAsync(IPEndPoint server)
    {
        var client = new TcpTestClient();
        await client._socket.ConnectAsync(server);
        return client;
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>The raw socket, for connections that stop being framed (RFC 6062 data connections).</summary>
    public Socket Socket => _socket;

    public Task SendAsync(byte[] bytes) => _socket.SendAsync(bytes);

    /// <summary>The next frame, or null when the server closed the connection or nothing came in time.</summary>
    public async Task<byte[]?> ReceiveFrameAsync(int timeoutMs = 2000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        var buffer = new byte[65536];
        while (true)
        {
            if (StunFraming.TryGetFrameLength(_pending.ToArray(), out int length, out _, out _))
            {
                var frame = _pending.GetRange(0, length).ToArray();
                _pending.RemoveRange(0, length);
                return frame;
            }
            int n;
            try { n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token); }
            catch (OperationCanceledException) { return null; }
            catch (SocketException) { return null; }
            if (n == 0) return null;
            _pending.AddRange(buffer.AsSpan(0, n).ToArray());
        }
    }

    public async Task<Received> RequestAsync(byte[] request)
    {
        await SendAsync(request);
        var frame = await ReceiveFrameAsync();
        Assert.NotNull(frame);
        return Received.Parse(frame);
    }

    public void Dispose() => _socket.Dispose();
}
