using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Confer.Turn.Allocations;

/// <summary>
/// Peer TCP connections of RFC 6062 allocations waiting for the client's ConnectionBind, by
/// CONNECTION-ID. Unclaimed ones are closed after 30 s (RFC 6062 §5.3).
/// </summary>
public sealed class TcpConnectionTable(TimeProvider time)
{
    public static readonly TimeSpan BindTimeout = TimeSpan.FromSeconds(30);

    public sealed record Pending(Allocation Allocation, Socket Peer, TransportAddress PeerAddress, long ExpiresTicks);

    private readonly ConcurrentDictionary<uint, Pending> _pending = new();

    public uint Add(Allocation allocation, Socket peer, in TransportAddress peerAddress)
    {
        var entry = new Pending(allocation, peer, peerAddress, time.GetUtcNow().Add(BindTimeout).UtcTicks);
        while (true)
        {
            uint id = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4));
            if (id != 0 && _pending.TryAdd(id, entry)) return id;
        }
    }

    public bool HasPeer(Allocation allocation, in TransportAddress peer)
    {
        foreach (var (_, entry) in _pending)
            if (entry.Allocation == allocation && entry.PeerAddress == peer) return true;
        return false;
    }

    /// <summary>
    /// Takes the connection for <paramref name="username"/>; null when the id is unknown, expired, or (with
    /// <paramref name="otherUser"/> set) belongs to another user's allocation, which keeps it.
    /// </summary>
    public Pending? Take(uint id, string username, out bool otherUser)
    {
        otherUser = _pending.TryGetValue(id, out var found) && found.Allocation.Username != username;
        if (otherUser || !_pending.TryRemove(id, out var entry)) return null;
        if (time.GetUtcNow().UtcTicks < entry.ExpiresTicks) return entry;
        entry.Peer.Dispose();
        return null;
    }

    public void Sweep()
    {
        long now = time.GetUtcNow().UtcTicks;
        foreach (var (id, entry) in _pending)
            if ((now >= entry.ExpiresTicks || entry.Allocation.IsDisposed) && _pending.TryRemove(id, out var removed)) removed.Peer.Dispose();
    }
}
