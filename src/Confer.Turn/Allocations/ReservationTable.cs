using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Confer.Turn.Allocations;

/// <summary>
/// Relay ports held for a later Allocate (RFC 8656 §7.2 EVEN-PORT with R set, §14.9 RESERVATION-TOKEN):
/// the odd port above an even allocation is bound and kept for 30 s under an 8-byte token.
/// </summary>
public sealed class ReservationTable(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<ulong, (Socket Socket, long Expires)> _reserved = new();

    public ulong Add(Socket socket)
    {
        ulong token = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        _reserved[token] = (socket, time.GetUtcNow().Add(Lifetime).UtcTicks);
        return token;
    }

    /// <summary>Takes the reserved socket; null when the token is unknown or expired.</summary>
    public Socket? Take(ulong token)
    {
        if (!_reserved.TryRemove(token, out var entry)) return null;
        if (time.GetUtcNow().UtcTicks < entry.Expires) return entry.Socket;
        entry.Socket.Dispose();
        return null;
    }

    public void Sweep()
    {
        long now = time.GetUtcNow().UtcTicks;
        foreach (var (token, entry) in _reserved)
            if (now >= entry.Expires && _reserved.TryRemove(token, out var removed)) removed.Socket.Dispose();
    }

    public void Clear()
    {
        foreach (var (token, _) in _reserved)
            if (_reserved.TryRemove(token, out var removed)) removed.Socket.Dispose();
    }
}
