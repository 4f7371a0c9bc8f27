using System.Net;
using System.Net.Sockets;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Stun.Auth;

namespace Confer.Server.Tests.Hosting;

internal delegate void WriteAttributes(ref StunMessageWriter writer);

/// <summary>A bare TURN client over UDP with long-term credentials (RFC 8489 §9.2): 401, then signed requests.</summary>
internal sealed class LongTermClient(IPEndPoint server, string username, string password) : IDisposable
{
    private readonly Socket _socket = Bound();
    private string? _realm, _nonce;

    /// <summary>The client's socket, for ChannelData and indications that need no answer.</summary>
    public Socket Socket => _socket;

    public IPEndPoint ServerEndPoint => server;

    private static Socket Bound()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    /// <summary>Sends the request (signed once a nonce is known) and returns 200 for success or the error code.</summary>
    public async Task<int> RequestAsync(StunMethod method, WriteAttributes attributes)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var (code, realm, nonce) = await ExchangeAsync(Build(method, attributes));
            if (code is not (401 or 438) || nonce is null) return code;
            _realm = realm ?? _realm;
            _nonce = nonce;
        }
        return 401;
    }

    private byte[] Build(StunMethod method, WriteAttributes attributes)
    {
        var buffer = new byte[1024];
        var writer = new StunMessageWriter(buffer, new StunMessageType(method, StunClass.Request), TransactionId.New());
        attributes(ref writer);
        if (_nonce is not null)
        {
            writer.AddString(StunAttributeType.Username, username);
            writer.AddString(StunAttributeType.Realm, _realm!);
            writer.AddString(StunAttributeType.Nonce, _nonce);
            writer.AddMessageIntegrity(LongTermKey.Derive(PasswordAlgorithm.Md5, username, _realm!, password));
        }
        writer.AddFingerprint();
        return writer.Written.ToArray();
    }

    private async Task<(int Code, string? Realm, string? Nonce)> ExchangeAsync(byte[] request)
    {
        await _socket.SendToAsync(request, server);
        var buffer = new byte[2048];
        using var cts = new CancellationTokenSource(3000);
        var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
        return Read(buffer.AsSpan(0, received.ReceivedBytes));
    }

    private static (int, string?, string?) Read(ReadOnlySpan<byte> bytes)
    {
        Assert.True(StunMessage.TryRead(bytes, out var message, out var error), $"not STUN: {error}");
        if (message.Type.Class == StunClass.SuccessResponse) return (200, null, null);
        int code = 0;
        string? realm = null, nonce = null;
        if (message.TryGetAttribute(StunAttributeType.ErrorCode, out var value)) ErrorCode.TryRead(value, out code, out _);
        if (message.TryGetAttribute(StunAttributeType.Realm, out var r)) realm = System.Text.Encoding.UTF8.GetString(r);
        if (message.TryGetAttribute(StunAttributeType.Nonce, out var n)) nonce = System.Text.Encoding.UTF8.GetString(n);
        return (code, realm, nonce);
    }

    public void Dispose() => _socket.Dispose();
}
