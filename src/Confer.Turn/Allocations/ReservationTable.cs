using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Confer.Turn.Allocations;

/// <summary>
/// Relay ports held for a later Allocate (RFC 8656 §7.2 EVEN-PORT with R set, §14.9 RESERVATION-TOKEN):
/// the odd port above an even allocation is bound and kept for 30 s under an 8-byte token. A reservation counts
/// against its user's quota and the server's capacity like an allocation; <paramref name="release"/> gives the
/// count back when it is taken, expires or is cleared.
/// </summary>
public sealed class ReservationTable(TimeProvider time, Action<string> release)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<ulong, (Socket Socket, string Username, long Expires)> _reserved = new();

    /// <summary>Holds <paramref name="socket"/> for <paramref name="username"/>, who has been counted for it already.</summary>
    public ulong Add(Socket socket, string username)
    {
        while (true)
        {
            ulong token = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
            if (_reserved.TryAdd(token, (socket, username, time.GetUtcNow().Add(Lifetime).UtcTicks))) return token;
        }
    }

    /// <summary>Takes the reserved socket; null when the token is unknown or expired.</summary>
    public Socket? Take(ulong token)
    {
        if (!_reserved.TryRemove(token, out var entry)) return null;
        release(entry.Username); // the Allocate that takes it is counted on its own
        if (time.GetUtcNow().UtcTicks < entry.Expires) return entry.Socket;
        entry.Socket.Dispose();
        return null;
    }

    public void Sweep()
    {
        long now = time.GetUtcNow().UtcTicks;
        foreach (var (token, entry) in _reserved)
            if (now >= entry.Expires && _reserved.TryRemove(token, out var removed)) Release(removed);
    }

    public void Clear()
    {
        foreach (var (token, _) in _reserved)
            if (_reserved.TryRemove(token, out var removed)) Release(removed);
    }

    public int Count => _reserved.Count;

    private void Release((Socket Socket, string Username, long Expires) entry)
    {
        entry.Socket.Dispose();
        release(entry.Username);
    }
}
