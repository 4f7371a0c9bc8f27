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
/// own codec: one UDP client per server allocates (long-term credentials, 401 then signed) and binds channel 0x4000
/// to the echo peer; then the clients take turns, one ChannelData message at a time, each echo timed with
/// <see cref="Stopwatch"/> (sequential ping-pong, so the figure is latency, not queueing). Taking turns ping by ping
/// puts both servers under the same machine conditions, which move more between runs than the servers differ.
/// Bounded by count and by a time limit.
/// </summary>
internal static class RttProbe
{
    private const ushort Channel = 0x4000;

    /// <summary>Round trips through each of <paramref name="servers"/> in turn: <paramref name="count"/> per server.</summary>
    public static async Task<Dictionary<string, RttResult>> RunInterleavedAsync(IReadOnlyList<(string Name, IPEndPoint EndPoint)> servers,
        IPEndPoint peer, string user, string password, int count, TimeSpan limit)
    {
        var results = new Dictionary<string, RttResult>();
        var sessions = new List<(string Name, Session Session)>();
        using var deadline = new CancellationTokenSource(limit);
        try
        {
            foreach (var (name, endPoint) in servers)
            {
                var (session, failure) = await Session.OpenAsync(endPoint, peer, user, password, deadline.Token);
                if (session is null) results[name] = Failed(failure!);
                else sessions.Add((name, session));
            }
            var samples = sessions.Select(_ => new List<double>(count)).ToArray();
            var frame = new byte[ChannelData.HeaderLength + 100];
            for (int sequence = 0; sequence < count && !deadline.IsCancellationRequested; sequence++)
            {
                // Alternate which goes first, so neither always follows the other's wake-ups.
                for (int k = 0; k < sessions.Count; k++)
                {
                    int i = (sequence + k) % sessions.Count;
                    if (sessions[i].Session.Ping(sequence, frame) is { } microseconds) samples[i].Add(microseconds);
                }
            }
            for (int i = 0; i < sessions.Count; i++)
            {
                var list = samples[i];
                list.Sort();
                results[sessions[i].Name] = list.Count == 0 ? Failed("no echo came back")
                    : new RttResult(count, list.Count, list.Average(), list[list.Count / 2], list[(int)(list.Count * 0.99)], null);
            }
        }
        catch (OperationCanceledException)
        {
            foreach (var (name, _) in servers) results.TryAdd(name, Failed($"time limit of {limit.TotalSeconds:0} s reached"));
        }
        finally
        {
            foreach (var (_, session) in sessions) await session.CloseAsync();
        }
        return results;

        RttResult Failed(string why) => new(count, 0, double.NaN, double.NaN, double.NaN, why);
    }

    /// <summary>One client's allocation with a channel to the echo peer.</summary>
    private sealed class Session(Socket socket, (string User, string Realm, string Nonce, byte[] Key) credentials)
    {
        private readonly byte[] _buffer = new byte[4096];

        public static async Task<(Session? Session, string? Failure)> OpenAsync(IPEndPoint server, IPEndPoint peer, string user, string password, CancellationToken ct)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                socket.Connect(server);
                var buffer = new byte[4096];
                // Allocate: the unauthenticated request earns a 401 with REALM and NONCE (RFC 8489 §9.2).
                var challenge = await RequestAsync(socket, buffer, StunMethod.Allocate, null, AddTransport, ct);
                if (challenge.Code != 401 || challenge.Realm is null || challenge.Nonce is null) return Fail($"Allocate without credentials got {challenge.Code}, not 401");
                var key = LongTermKey.Derive(PasswordAlgorithm.Md5, user, challenge.Realm, password);
                var credentials = (user, challenge.Realm, challenge.Nonce, key);
                var allocated = await RequestAsync(socket, buffer, StunMethod.Allocate, credentials, AddTransport, ct);
                if (allocated.Code != 0) return Fail($"Allocate got {allocated.Code}");
                var bound = await RequestAsync(socket, buffer, StunMethod.ChannelBind, credentials,
                    (ref StunMessageWriter w) => { w.AddUInt32(StunAttributeType.ChannelNumber, (uint)Channel << 16); w.AddXorAddress(StunAttributeType.XorPeerAddress, peer); },
                    ct);
                if (bound.Code != 0) return Fail($"ChannelBind got {bound.Code}");
                socket.ReceiveTimeout = 1000;
                return (new Session(socket, credentials), null);
            }
            catch (SocketException e)
            {
                return Fail(e.Message);
            }

            (Session?, string?) Fail(string why)
            {
                socket.Dispose();
                return (null, why);
            }
        }

        /// <summary>One round trip, blocking (no thread-pool hop on the client's side); null when no echo came within a second.</summary>
        public double? Ping(int sequence, byte[] frame)
        {
            Span<byte> payload = stackalloc byte[100];
            payload.Clear();
            BinaryPrimitives.WriteInt32BigEndian(payload, sequence);
            int length = ChannelData.Write(frame, Channel, payload, pad: false);
            long start = Stopwatch.GetTimestamp();
            try
            {
                socket.Send(frame.AsSpan(0, length));
                while (true)
                {
                    int n = socket.Receive(_buffer);
                    if (IsEcho(_buffer.AsSpan(0, n), sequence)) return Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                }
            }
            catch (SocketException)
            {
                return null; // lost (timed out): counted as sent, not returned
            }
        }

        /// <summary>Leaves nothing behind: a Refresh with LIFETIME 0 deletes the allocation (RFC 8656 §8).</summary>
        public async Task CloseAsync()
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await RequestAsync(socket, _buffer, StunMethod.Refresh, credentials, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.Lifetime, 0), limit.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                // The allocation expires on its own.
            }
            socket.Dispose();
        }
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
