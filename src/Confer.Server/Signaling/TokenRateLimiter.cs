using System.Net;
using Confer.Signaling;

namespace Confer.Server.Signaling;

/// <summary>
/// Limits <c>POST /api/token</c> per source address (an IPv6 address by its /64, which one subscriber usually
/// holds whole): a token bucket of <c>Signaling:TokenRequestsPerMinute</c> per minute with bursts as large. The table
/// is bounded: past <see cref="Capacity"/> addresses it forgets the buckets that have refilled, and while it is still
/// full new addresses are refused too (the server is being asked from too many places at once). Time is injected.
/// </summary>
public sealed class TokenRateLimiter(SignalingOptions options, TimeProvider time)
{
    public const int Capacity = 10_000;
    private readonly Lock _gate = new();
    private readonly Dictionary<UInt128, Bucket> _buckets = [];

    private sealed class Bucket(double tokens, long last)
    {
        public double Tokens = tokens;
        public long Last = last;
    }

    /// <summary>True when <paramref name="address"/> may have a token now; otherwise how long it should wait.</summary>
    public bool TryAcquire(IPAddress? address, out TimeSpan retryAfter)
    {
        var perSecond = options.TokenRequestsPerMinute / 60.0;
        var burst = (double)options.TokenRequestsPerMinute;
        var key = KeyOf(address);
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (!_buckets.TryGetValue(key, out var bucket))
            {
                if (_buckets.Count >= Capacity)
                {
                    foreach (var (k, b) in _buckets)
                        if (b.Tokens + time.GetElapsedTime(b.Last, now).TotalSeconds * perSecond >= burst) _buckets.Remove(k);
                    if (_buckets.Count >= Capacity)
                    {
                        retryAfter = TimeSpan.FromSeconds(Math.Ceiling(1 / perSecond));
                        return false;
                    }
                }
                bucket = new Bucket(burst, now);
                _buckets.Add(key, bucket);
            }
            bucket.Tokens = Math.Min(burst, bucket.Tokens + time.GetElapsedTime(bucket.Last, now).TotalSeconds * perSecond);
            bucket.Last = now;
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                retryAfter = TimeSpan.Zero;
                return true;
            }
            retryAfter = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((1 - bucket.Tokens) / perSecond)));
            return false;
        }
    }

    /// <summary>IPv4 (mapped or not) by its address, IPv6 by its /64.</summary>
    private static UInt128 KeyOf(IPAddress? address)
    {
        if (address is null) return UInt128.Zero;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes[12..], out _);
            bytes[10] = bytes[11] = 0xFF;
            return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
        }
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }
}
