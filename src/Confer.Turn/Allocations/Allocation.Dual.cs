using System.Net.Sockets;
using Confer.Stun.Attributes;

namespace Confer.Turn.Allocations;

/// <summary>
/// Dual allocations (RFC 8656 §7.2, ADDITIONAL-ADDRESS-FAMILY): an IPv4 and an IPv6 relayed transport
/// address under one 5-tuple, each with its own socket, receive loop and expiry. Permissions and channels
/// are shared; data to a peer leaves from the relayed address of the peer's family. A Refresh with
/// REQUESTED-ADDRESS-FAMILY (§7.3) extends or deletes one family; the allocation lives while one is open.
/// </summary>
public sealed partial class Allocation
{
    private readonly RelayEndpoint _primary;
    private readonly RelayEndpoint? _additional;
    private Task? _additionalLoop;

    /// <summary>The first relayed address (IPv4 in a dual allocation).</summary>
    public RelayEndpoint Primary => _primary;

    /// <summary>The IPv6 relayed address of a dual allocation; null for a single-family one.</summary>
    public RelayEndpoint? Additional => _additional;

    public bool IsDual => _additional is not null;

    /// <summary>
    /// The family a dual Allocate could not get and why (ADDRESS-ERROR-CODE, 440 or 508), kept so that a
    /// retransmitted Allocate gets the same success response.
    /// </summary>
    public (StunAddressFamily Family, int Code)? AddressError { get; set; }

    /// <summary>The dual request used the pre-RFC 8656 attribute numbers (0x8032/0x8033), so the answer does too.</summary>
    public bool DraftCodepoints { get; set; }

    /// <summary>The open relayed address of a family, or null (RFC 8656 §9.2, §11.2: 443 for a peer of another family).</summary>
    public RelayEndpoint? EndpointFor(bool ipv6)
    {
        if (_primary.IsIPv6 == ipv6) return _primary.IsClosed ? null : _primary;
        return _additional is { IsClosed: false } additional && additional.IsIPv6 == ipv6 ? additional : null;
    }

    /// <summary>Whether the allocation relays to peers of this family at <paramref name="now"/>.</summary>
    public bool HasFamily(bool ipv6, long now) => EndpointFor(ipv6) is { } endpoint && endpoint.IsLive(now);

    /// <summary>The socket that sends to a peer of <paramref name="family"/>; null when that family is not (or no longer) relayed.</summary>
    private Socket? SocketFor(AddressFamily family)
    {
        var primary = _primary;
        if (primary.Socket.AddressFamily == family) return primary.IsClosed ? null : primary.Socket;
        var additional = _additional;
        return additional is not null && !additional.IsClosed && additional.Socket.AddressFamily == family ? additional.Socket : null;
    }

    /// <summary>Refresh of one family (RFC 8656 §7.3 with REQUESTED-ADDRESS-FAMILY); false when the allocation has no open address of it.</summary>
    public bool RefreshFamily(bool ipv6, long expiresTicks)
    {
        if (EndpointFor(ipv6) is not { } endpoint) return false;
        endpoint.ExpiresTicks = expiresTicks;
        UpdateExpiry();
        return true;
    }

    /// <summary>Deletes one family's relayed address (its port is free again); true while another family remains open.</summary>
    public bool CloseFamily(bool ipv6)
    {
        EndpointFor(ipv6)?.Dispose();
        return UpdateExpiry();
    }

    /// <summary>Closes a family whose own lifetime ran out while the other one still lives.</summary>
    private void SweepEndpoints(long now)
    {
        if (_additional is null) return;
        foreach (var endpoint in (ReadOnlySpan<RelayEndpoint>)[_primary, _additional])
            if (!endpoint.IsClosed && now >= endpoint.ExpiresTicks) endpoint.Dispose();
        UpdateExpiry();
    }

    // The allocation lasts as long as its longest-lived open address; with none open it has expired.
    private bool UpdateExpiry()
    {
        long expires = long.MinValue;
        if (!_primary.IsClosed) expires = _primary.ExpiresTicks;
        if (_additional is { IsClosed: false } additional) expires = Math.Max(expires, additional.ExpiresTicks);
        Volatile.Write(ref _expires, expires == long.MinValue ? 0 : expires);
        return expires != long.MinValue;
    }

    private void StartAdditional()
    {
        if (_additional is { } additional) _additionalLoop = IsTcp ? Task.Run(() => AcceptLoopAsync(additional.Socket)) : StartRelay(additional);
    }
}
