using System.Net.Sockets;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Turn.Allocations;
using Confer.Turn.Auth;
using Confer.Turn.Transport;

namespace Confer.Turn.Handlers;

/// <summary>Allocate (RFC 8656 §7.2): creates the relayed transport address (or one per family, dual) for the client's 5-tuple.</summary>
internal sealed class AllocateHandler(TurnContext turn)
{
    public static ReadOnlySpan<StunAttributeType> Known =>
    [
        StunAttributeType.RequestedTransport, StunAttributeType.Lifetime, StunAttributeType.DontFragment,
        StunAttributeType.EvenPort, StunAttributeType.ReservationToken, StunAttributeType.RequestedAddressFamily,
        StunAttributeType.AdditionalAddressFamily,
    ];

    public void Handle(in StunMessage request, in PacketContext context, in AuthResult auth)
    {
        var software = turn.Options.Software;
        var tuple = context.Tuple;

        // 1. An allocation already on this 5-tuple: a retransmission gets the same success, anything else 437.
        if (turn.Allocations.TryGet(tuple, out var existing))
        {
            if (existing.Transaction == request.TransactionId) { SendSuccess(request, context, auth, existing); return; }
            Refuse(context, request, ErrorCode.AllocationMismatch, auth, "mismatch");
            return;
        }

        // 2. REQUESTED-TRANSPORT: UDP, or TCP (RFC 6062) for a client on TCP/TLS when TCP relaying is on (TurnOptions.TcpRelay,
        //    off by default: browsers never ask for it, and it would make the server a general-purpose TCP proxy). 442 otherwise.
        if (!request.TryGetAttribute(StunAttributeType.RequestedTransport, out var transportValue) ||
            !RequestedTransport.TryRead(transportValue, out var transport))
        {
            Refuse(context, request, ErrorCode.BadRequest, auth, "bad_request");
            return;
        }
        bool tcpRelay = transport == TransportProtocol.Tcp && context.Sink.Transport != ClientTransport.Udp && turn.Options.TcpRelay; // RFC 6062 §5.1
        if (transport != TransportProtocol.Udp && !tcpRelay)
        {
            Refuse(context, request, ErrorCode.UnsupportedTransportProtocol, auth, "transport");
            return;
        }

        // 3. Address families (RFC 8656 §7.2 steps 5-9). RESERVATION-TOKEN fixes the family, so it goes with neither
        //    family attribute nor EVEN-PORT (400); REQUESTED- and ADDITIONAL-ADDRESS-FAMILY exclude each other (400);
        //    ADDITIONAL-ADDRESS-FAMILY may only say IPv6 (400) and asks for IPv4 plus IPv6, a dual allocation; an
        //    EVEN-PORT reserving the next port (R) is defined for one family only (400 with a dual request).
        //    (The draft's number for ADDITIONAL-ADDRESS-FAMILY is accepted too, and the answer then uses the draft's numbers.)
        var family = AddressFamily.InterNetwork;
        bool hasFamily = request.TryGetAttribute(StunAttributeType.RequestedAddressFamily, out var requestedFamily);
        bool dual = request.TryGetAttribute(StunAttributeType.AdditionalAddressFamily, out var additionalFamily);
        bool draft = !dual && (dual = request.TryGetAttribute(StunAttributeType.AdditionalAddressFamilyDraft, out additionalFamily));
        bool evenPort = request.TryGetAttribute(StunAttributeType.EvenPort, out var even);
        bool hasToken = request.TryGetAttribute(StunAttributeType.ReservationToken, out var tokenValue);
        bool evenPortValid = EvenPort.TryRead(even, out bool reserveNext);
        bool tokenValid = ReservationToken.TryRead(tokenValue, out ulong token);
        bool additionalValid = AddressFamilyAttribute.TryRead(additionalFamily, out var additional) && additional == StunAddressFamily.IPv6;
        if ((hasToken && (evenPort || hasFamily || dual || !tokenValid)) || (evenPort && !evenPortValid) ||
            (hasFamily && dual) || (dual && !additionalValid) || (dual && reserveNext))
        {
            Refuse(context, request, ErrorCode.BadRequest, auth, "bad_request");
            return;
        }
        if (hasFamily)
        {
            if (!AddressFamilyAttribute.TryRead(requestedFamily, out var requested) || requested is not (StunAddressFamily.IPv4 or StunAddressFamily.IPv6))
            {
                Refuse(context, request, ErrorCode.AddressFamilyNotSupported, auth, "family");
                return;
            }
            family = requested == StunAddressFamily.IPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        }
        var relayAddress = turn.Allocations.RelayAddressFor(family, tuple.Server);
        // A dual request: IPv6 too when there is an IPv6 relay address (for UDP relays and RFC 6062 TCP relays alike).
        // Whichever family cannot be had is named in ADDRESS-ERROR-CODE of the success (step 9).
        var relayAddressV6 = dual ? turn.Allocations.RelayAddressFor(AddressFamily.InterNetworkV6, tuple.Server) : null;
        if (relayAddress is null && relayAddressV6 is null)
        {
            Refuse(context, request, ErrorCode.AddressFamilyNotSupported, auth, "family");
            return;
        }

        // 4. Quota and capacity, then relay ports: reserved, even (holding the next one if R is set), or any. The port
        //    reserved with R counts as an allocation of its own until it is taken or expires (ReservationTable).
        var username = auth.Username!;
        Socket? reserved = hasToken ? turn.Allocations.Reservations.Take(token) : null; // (gives back the reservation's count)
        switch (turn.Allocations.Reserve(username, reserveNext && relayAddress is not null && !tcpRelay ? 2 : 1))
        {
            case AllocationTable.ReserveResult.UserQuota: reserved?.Dispose(); Refuse(context, request, ErrorCode.AllocationQuotaReached, auth, "quota"); return;
            case AllocationTable.ReserveResult.Capacity: reserved?.Dispose(); Refuse(context, request, ErrorCode.InsufficientCapacity, auth, "capacity"); return;
        }
        Socket? socket = null;
        ulong? newToken = null;
        if (relayAddress is null) { }
        else if (tcpRelay) socket = turn.Allocations.Ports.BindTcp(relayAddress);
        else if (hasToken) socket = reserved;
        else if (reserveNext)
        {
            Socket? next = null;
            socket = turn.Allocations.Ports.Bind(relayAddress, even: true, port => (next = RelayPortPool.TryBind(relayAddress, port + 1)) is not null);
            if (socket is not null) newToken = turn.Allocations.Reservations.Add(next!, username);
            else turn.Allocations.Unreserve(username); // the reservation's count: no port was reserved
        }
        else socket = turn.Allocations.Ports.Bind(relayAddress, even: evenPort);
        if (reserved is not null && socket != reserved) reserved.Dispose();
        var socketV6 = relayAddressV6 is null ? null
            : tcpRelay ? turn.Allocations.Ports.BindTcp(relayAddressV6)
            : turn.Allocations.Ports.Bind(relayAddressV6, even: evenPort);

        (StunAddressFamily, int)? addressError = null;
        if (dual)
        {
            if (socket is null && socketV6 is not null)
                addressError = (StunAddressFamily.IPv4, relayAddress is null ? ErrorCode.AddressFamilyNotSupported : ErrorCode.InsufficientCapacity);
            else if (socket is not null && socketV6 is null)
                addressError = (StunAddressFamily.IPv6, relayAddressV6 is null ? ErrorCode.AddressFamilyNotSupported : ErrorCode.InsufficientCapacity);
            if (socket is null) (socket, socketV6) = (socketV6, null);
        }
        if (socket is null)
        {
            turn.Allocations.Unreserve(username);
            Refuse(context, request, ErrorCode.InsufficientCapacity, auth, hasToken ? "reservation" : "no_ports");
            return;
        }
        if (request.HasAttribute(StunAttributeType.DontFragment) && socket.AddressFamily == AddressFamily.InterNetwork)
        {
            try { socket.DontFragment = true; } catch (SocketException) { /* not supported here: send anyway */ }
        }

        var clientAddress = new System.Net.SocketAddress(context.ClientAddress.Family, context.ClientAddress.Size);
        context.ClientAddress.Buffer.Span[..context.ClientAddress.Size].CopyTo(clientAddress.Buffer.Span);
        var allocation = new Allocation(tuple, username, request.TransactionId, socket, context.Sink, clientAddress,
            turn.Time, turn.Metrics, turn.Logger, socketV6);
        allocation.ExpiresTicks = turn.Now + Lifetime(request, turn.Options).Ticks;
        allocation.AddressError = addressError;
        allocation.DraftCodepoints = draft;
        if (turn.Options.MaxBytesPerSecond > 0)
            allocation.LimitBandwidth(turn.Options.MaxBytesPerSecond, turn.Options.EffectiveBurstBytes);
        allocation.MaxPermissions = turn.Options.MaxPermissionsPerAllocation;
        allocation.MaxChannels = turn.Options.MaxChannelsPerAllocation;
        // The peer policy learns this server's addresses as clients reach them: the listening one, and the relayed
        // ones whose relay ports other clients may reach (PeerPolicy).
        turn.Policy.AddServerAddress(tuple.Server);
        turn.Policy.AddServerAddress(allocation.Relayed, relay: true);
        if (allocation.Additional is { } additionalEndpoint) turn.Policy.AddServerAddress(additionalEndpoint.Relayed, relay: true);
        if (!turn.Allocations.TryAdd(allocation))
        {
            allocation.Dispose();
            turn.Allocations.Unreserve(username);
            Refuse(context, request, ErrorCode.AllocationMismatch, auth, "mismatch");
            return;
        }
        allocation.ReservationToken = newToken;
        if (tcpRelay)
        {
            allocation.TcpConnections = turn.Connections;
            allocation.Policy = turn.Policy;
            allocation.MaxPeerConnections = turn.Options.MaxTcpConnectionsPerAllocation;
        }
        allocation.Start();
        SendSuccess(request, context, auth, allocation);
    }

    /// <summary>min(requested or default, max), and never below the default (RFC 8656 §7.2 step 7).</summary>
    public static TimeSpan Lifetime(in StunMessage request, TurnOptions options)
    {
        var lifetime = options.DefaultAllocationLifetime;
        if (request.TryGetAttribute(StunAttributeType.Lifetime, out var value) && Stun.Attributes.Lifetime.TryRead(value, out uint seconds))
            lifetime = TimeSpan.FromSeconds(seconds);
        if (lifetime < options.DefaultAllocationLifetime) lifetime = options.DefaultAllocationLifetime;
        return lifetime > options.MaxAllocationLifetime ? options.MaxAllocationLifetime : lifetime;
    }

    private void SendSuccess(in StunMessage request, in PacketContext context, in AuthResult auth, Allocation allocation)
    {
        Span<byte> buffer = stackalloc byte[StunResponse.MaxLength];
        var writer = StunResponse.Begin(buffer, request, StunClass.SuccessResponse);
        // One XOR-RELAYED-ADDRESS per family, IPv4 first (RFC 8656 §7.2 step 9).
        // Behind 1:1 NAT the advertised (public) address with the bound port (TurnOptions.AdvertisedRelayAddress).
        turn.Options.Advertised(allocation.Relayed).WriteAttribute(ref writer, StunAttributeType.XorRelayedAddress, xor: true);
        if (allocation.Additional is { } additional) turn.Options.Advertised(additional.Relayed).WriteAttribute(ref writer, StunAttributeType.XorRelayedAddress, xor: true);
        if (allocation.AddressError is var (family, code))
            writer.AddAddressErrorCode(allocation.DraftCodepoints ? StunAttributeType.AddressErrorCodeDraft : StunAttributeType.AddressErrorCode, family, code);
        long remaining = Math.Max(0, allocation.ExpiresTicks - turn.Now);
        writer.AddLifetime((uint)TimeSpan.FromTicks(remaining).TotalSeconds);
        context.Tuple.Client.WriteAttribute(ref writer, StunAttributeType.XorMappedAddress, xor: true);
        if (allocation.ReservationToken is { } reservation) writer.AddReservationToken(reservation);
        StunResponse.Finish(ref writer, turn.Options.Software, auth.Key);
        context.Reply(writer.Written);
    }

    private void Refuse(in PacketContext context, in StunMessage request, int code, in AuthResult auth, string reason)
    {
        turn.Metrics.AllocationRefused(reason);
        StunResponse.SendError(context, request, code, auth.Key);
    }
}
