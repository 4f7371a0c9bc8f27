using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Stun.Auth;

namespace Confer.Bench.Turn;

/// <summary>Round trips through a relay, in microseconds.</summary>
internal sealed record RttResult(int Sent, int Returned, double MeanMicroseconds, double MedianMicroseconds, double P99Microseconds, string? Failure)
{
    public override string ToString() => Failure is not null
        ? $"FAILED: {Failure}"
        : FormattableString.Invariant($"mean {MeanMicroseconds,7:0} µs  median {MedianMicroseconds,7:0} µs  p99 {P99Microseconds,7:0} µs  returned {Returned}/{Sent}");
}

/// <summary>
/// uclient reports RTT in whole milliseconds, too coarse on loopback, so RTT is measured here with the project's
/// own codec: one UDP client allocates (long-term credentials, 401 then signed), binds channel 0x4000 to the echo
/// peer, then sends one ChannelData message at a time and times its echo with <see cref="Stopwatch"/>. Sequential
/// ping-pong, so the figure is latency, not queueing. Bounded by count and by a time limit.
/// </summary>
internal static class RttProbe
{
    private const ushort Channel = 0x4000;

    public static async Task<RttResult> RunAsync(IPEndPoint server, IPEndPoint peer, string user, string password, int count, TimeSpan limit)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Connect(server);
        var buffer = new byte[4096];
        using var deadline = new CancellationTokenSource(limit);
        try
        {
            // Allocate: the unauthenticated request earns a 401 with REALM and NONCE (RFC 8489 §9.2).
            var challenge = await RequestAsync(socket, buffer, StunMethod.Allocate, null, AddTransport, deadline.Token);
            if (challenge.Code != 401 || challenge.Realm is null || challenge.Nonce is null) return Failed($"Allocate without credentials got {challenge.Code}, not 401");
            var key = LongTermKey.Derive(PasswordAlgorithm.Md5, user, challenge.Realm, password);
            var credentials = (user, challenge.Realm, challenge.Nonce, key);
            var allocated = await RequestAsync(socket, buffer, StunMethod.Allocate, credentials, AddTransport, deadline.Token);
            if (allocated.Code != 0) return Failed($"Allocate got {allocated.Code}");
            var bound = await RequestAsync(socket, buffer, StunMethod.ChannelBind, credentials,
                (ref StunMessageWriter w) => { w.AddUInt32(StunAttributeType.ChannelNumber, (uint)Channel << 16); w.AddXorAddress(StunAttributeType.XorPeerAddress, peer); },
                deadline.Token);
            if (bound.Code != 0) return Failed($"ChannelBind got {bound.Code}");

            var samples = new List<double>(count);
            var payload = new byte[100];
            var frame = new byte[ChannelData.HeaderLength + payload.Length];
            for (int sequence = 0; sequence < count && !deadline.IsCancellationRequested; sequence++)
            {
                BinaryPrimitives.WriteInt32BigEndian(payload, sequence);
                int length = ChannelData.Write(frame, Channel, payload, pad: false);
                long start = Stopwatch.GetTimestamp();
                await socket.SendAsync(frame.AsMemory(0, length), SocketFlags.None, deadline.Token);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                wait.CancelAfter(TimeSpan.FromSeconds(1));
                try
                {
                    while (true)
                    {
                        int n = await socket.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
                        if (IsEcho(buffer.AsSpan(0, n), sequence)) break;
                    }
                    samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                }
                catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
                {
                    // Lost: counted as sent, not returned.
                }
            }

            // Leave nothing behind: a Refresh with LIFETIME 0 deletes the allocation (RFC 8656 §8).
            await RequestAsync(socket, buffer, StunMethod.Refresh, credentials, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.Lifetime, 0), deadline.Token);
            if (samples.Count == 0) return Failed("no echo came back");
            samples.Sort();
            return new RttResult(count, samples.Count, samples.Average(), samples[samples.Count / 2], samples[(int)(samples.Count * 0.99)], null);
        }
        catch (OperationCanceledException)
        {
            return Failed($"time limit of {limit.TotalSeconds:0} s reached");
        }
        catch (SocketException e)
        {
            return Failed(e.Message);
        }

        RttResult Failed(string why) => new(count, 0, double.NaN, double.NaN, double.NaN, why);
    }

    private static bool IsEcho(ReadOnlySpan<byte> bytes, int sequence) =>
        ChannelData.TryRead(bytes, out var data) && data.Channel == Channel && data.Data.Length >= 4 &&
        BinaryPrimitives.ReadInt32BigEndian(data.Data) == sequence;

    private static void AddTransport(ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24);

    private delegate void Attributes(ref StunMessageWriter writer);

    private readonly record struct Answer(int Code, string? Realm, string? Nonce);

    /// <summary>One request, retransmitted every 500 ms until its answer arrives; Code 0 is success.</summary>
    private static async Task<Answer> RequestAsync(Socket socket, byte[] buffer, StunMethod method,
        (string User, string Realm, string Nonce, byte[] Key)? credentials, Attributes attributes, CancellationToken cancellationToken)
    {
        var id = TransactionId.New();
        byte[] request = Build(method, id, credentials, attributes);
        while (true)
        {
            await socket.SendAsync(request, SocketFlags.None, cancellationToken);
            using var retransmit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            retransmit.CancelAfter(TimeSpan.FromMilliseconds(500));
            try
            {
                while (true)
                {
                    int n = await socket.ReceiveAsync(buffer, SocketFlags.None, retransmit.Token);
                    if (Read(buffer.AsSpan(0, n), id) is { } answer) return answer;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Send again.
            }
        }
    }

    private static byte[] Build(StunMethod method, TransactionId id, (string User, string Realm, string Nonce, byte[] Key)? credentials, Attributes attributes)
    {
        var bytes = new byte[1024];
        var writer = new StunMessageWriter(bytes, new StunMessageType(method, StunClass.Request), id);
        attributes(ref writer);
        if (credentials is { } c)
        {
            writer.AddString(StunAttributeType.Username, c.User);
            writer.AddString(StunAttributeType.Realm, c.Realm);
            writer.AddString(StunAttributeType.Nonce, c.Nonce);
            writer.AddMessageIntegrity(c.Key);
        }
        writer.AddFingerprint();
        return writer.Written.ToArray();
    }

    private static Answer? Read(ReadOnlySpan<byte> bytes, TransactionId id)
    {
        if (!StunMessage.TryRead(bytes, out var message, out _) || message.TransactionId != id) return null;
        if (message.Class == StunClass.SuccessResponse) return new Answer(0, null, null);
        if (message.Class != StunClass.ErrorResponse) return null;
        int code = message.TryGetAttribute(StunAttributeType.ErrorCode, out var value) && ErrorCode.TryRead(value, out int c, out _) ? c : -1;
        string? realm = message.TryGetAttribute(StunAttributeType.Realm, out var r) ? Encoding.UTF8.GetString(r) : null;
        string? nonce = message.TryGetAttribute(StunAttributeType.Nonce, out var n) ? Encoding.UTF8.GetString(n) : null;
        return new Answer(code, realm, nonce);
    }
}
