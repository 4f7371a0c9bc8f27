using System.Net;
using System.Net.Sockets;
using System.Text;
using Confer.Stun;
using Confer.Stun.Attributes;

namespace Confer.Turn.Tests.Infrastructure;

/// <summary>What came back for one Binding request, decoded with the project's own codec.</summary>
internal sealed record StunBindingResult(
    TransactionId TransactionId,
    StunClass Class,
    IPEndPoint LocalEndPoint,
    IPEndPoint ReceivedFrom,
    IPEndPoint? XorMappedAddress,
    IPEndPoint? MappedAddress,
    IPEndPoint? ResponseOrigin,
    IPEndPoint? OtherAddress,
    string? Software,
    bool HasFingerprint,
    bool FingerprintValid,
    int? ErrorCode);

/// <summary>
/// A small STUN client for tests: sends one Binding request over UDP or TCP and decodes the answer with
/// Confer.Stun. Everything is bounded by a timeout; UDP requests are retransmitted a few times (RFC 8489 §6.2.1,
/// shortened for loopback).
/// </summary>
internal static class StunTestClient
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A Binding request, optionally with CHANGE-REQUEST (RFC 5780 §7.2) and FINGERPRINT.</summary>
    public static byte[] BuildBindingRequest(TransactionId id, bool changeIP = false, bool changePort = false, bool fingerprint = true)
    {
        var buffer = new byte[64];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, id);
        if (changeIP || changePort) writer.AddUInt32(StunAttributeType.ChangeRequest, (changeIP ? 4u : 0u) | (changePort ? 2u : 0u));
        if (fingerprint) writer.AddFingerprint();
        return writer.Written.ToArray();
    }

    public static async Task<StunBindingResult> BindUdpAsync(IPEndPoint server, IPEndPoint? local = null, bool changeIP = false,
        bool changePort = false, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(local ?? new IPEndPoint(server.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0));
        var id = TransactionId.New();
        var request = BuildBindingRequest(id, changeIP, changePort);
        var buffer = new byte[2048];
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? DefaultTimeout);
        try
        {
            while (true)
            {
                await socket.SendToAsync(request, SocketFlags.None, server, limit.Token);
                using var retransmit = CancellationTokenSource.CreateLinkedTokenSource(limit.Token);
                retransmit.CancelAfter(TimeSpan.FromMilliseconds(500));
                try
                {
                    while (true)
                    {
                        var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None,
                            new IPEndPoint(server.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0), retransmit.Token);
                        var result = Decode(buffer.AsSpan(0, received.ReceivedBytes), (IPEndPoint)socket.LocalEndPoint!, (IPEndPoint)received.RemoteEndPoint);
                        if (result is not null && result.TransactionId == id) return result;
                    }
                }
                catch (OperationCanceledException) when (!limit.IsCancellationRequested)
                {
                    // No answer in 500 ms: send again.
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No STUN Binding response over UDP from {server} within {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s.");
        }
    }

    /// <summary>
    /// Sends <paramref name="requests"/> over one TCP connection in the chunks given (so a test can split a
    /// message or pipeline several in one write) and reads one framed response per request.
    /// </summary>
    public static async Task<IReadOnlyList<StunBindingResult>> ExchangeTcpAsync(IPEndPoint server, IReadOnlyList<byte[]> chunks,
        int expectedResponses, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? DefaultTimeout);
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(server, limit.Token);
            foreach (var chunk in chunks)
            {
                await socket.SendAsync(chunk, SocketFlags.None, limit.Token);
                await Task.Delay(10, limit.Token); // lets the server see the chunks as separate reads
            }
            var results = new List<StunBindingResult>();
            var buffer = new byte[8192];
            int filled = 0;
            while (results.Count < expectedResponses)
            {
                if (StunFraming.TryGetFrameLength(buffer.AsSpan(0, filled), out int frameLength, out var kind, out bool needMore))
                {
                    if (kind != StreamFrameKind.Stun) throw new InvalidDataException("The server sent ChannelData in answer to Binding.");
                    var result = Decode(buffer.AsSpan(0, frameLength), (IPEndPoint)socket.LocalEndPoint!, (IPEndPoint)socket.RemoteEndPoint!)
                        ?? throw new InvalidDataException("The server sent a frame that is not a well-formed STUN message.");
                    results.Add(result);
                    buffer.AsSpan(frameLength, filled - frameLength).CopyTo(buffer);
                    filled -= frameLength;
                    continue;
                }
                if (!needMore) throw new InvalidDataException("The server's TCP stream is not STUN framing.");
                if (filled == buffer.Length) throw new InvalidDataException("A STUN frame larger than 8 KiB.");
                int read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, limit.Token);
                if (read == 0) throw new InvalidDataException($"The server closed the TCP connection after {results.Count} of {expectedResponses} responses.");
                filled += read;
            }
            return results;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No complete STUN exchange over TCP with {server} within {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s.");
        }
    }

    public static async Task<StunBindingResult> BindTcpAsync(IPEndPoint server, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var request = BuildBindingRequest(TransactionId.New());
        var results = await ExchangeTcpAsync(server, [request], 1, timeout, cancellationToken);
        return results[0];
    }

    /// <summary>Decodes a response; null when the bytes are not a well-formed STUN response.</summary>
    public static StunBindingResult? Decode(ReadOnlySpan<byte> bytes, IPEndPoint local, IPEndPoint from)
    {
        if (!StunMessage.TryRead(bytes, out var message, out _)) return null;
        if (message.Class is not (StunClass.SuccessResponse or StunClass.ErrorResponse)) return null;
        var id = message.TransactionId;
        IPEndPoint? xorMapped = null, mapped = null, origin = null, other = null;
        string? software = null;
        int? errorCode = null;
        foreach (var attribute in message.Attributes)
        {
            switch (attribute.Type)
            {
                case StunAttributeType.XorMappedAddress when xorMapped is null:
                    xorMapped = ReadAddress(attribute.Value, xor: true, id);
                    break;
                case StunAttributeType.MappedAddress when mapped is null:
                    mapped = ReadAddress(attribute.Value, xor: false, id);
                    break;
                case StunAttributeType.ResponseOrigin when origin is null:
                    origin = ReadAddress(attribute.Value, xor: false, id);
                    break;
                case StunAttributeType.OtherAddress when other is null:
                    other = ReadAddress(attribute.Value, xor: false, id);
                    break;
                case StunAttributeType.Software when software is null:
                    software = Encoding.UTF8.GetString(attribute.Value);
                    break;
                case StunAttributeType.ErrorCode when errorCode is null && attribute.Value.Length >= 4:
                    errorCode = (attribute.Value[2] & 0x07) * 100 + attribute.Value[3];
                    break;
            }
        }
        bool hasFingerprint = message.FingerprintOffset >= 0;
        return new StunBindingResult(id, message.Class, Normalize(local), Normalize(from), xorMapped, mapped, origin, other, software,
            hasFingerprint, hasFingerprint && Fingerprint.Verify(message), errorCode);
    }

    private static IPEndPoint? ReadAddress(ReadOnlySpan<byte> value, bool xor, TransactionId id) =>
        StunAddress.TryRead(value, xor, id, out var endpoint) ? endpoint : null;

    private static IPEndPoint Normalize(IPEndPoint endpoint) =>
        endpoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endpoint.Address.MapToIPv4(), endpoint.Port) : endpoint;
}
