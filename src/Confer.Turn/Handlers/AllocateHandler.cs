using System.Buffers.Binary;
using System.Net.Sockets;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Turn.Allocations;
using Confer.Turn.Auth;
using Confer.Turn.Transport;

namespace Confer.Turn.Handlers;

/// <summary>Allocate (RFC 8656 §7.2): creates the relayed transport address for the client's 5-tuple.</summary>
internal sealed class AllocateHandler(TurnContext turn)
{
    public static ReadOnlySpan<StunAttributeType> Known =>
    [
        StunAttributeType.RequestedTransport, StunAttributeType.Lifetime, StunAttributeType.DontFragment,
        StunAttributeType.EvenPort, StunAttributeType.ReservationToken, StunAttributeType.RequestedAddressFamily,
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

        // 2. REQUESTED-TRANSPORT: UDP only here.
        if (!request.TryGetAttribute(StunAttributeType.RequestedTransport, out var transport) || transport.Length != 4)
        {
            Refuse(context, request, ErrorCode.BadRequest, auth, "bad_request");
            return;
        }
        bool tcpRelay = transport[0] == TurnAttributes.Tcp && context.Sink.Transport != ClientTransport.Udp; // RFC 6062 §5.1
        if (transport[0] != TurnAttributes.Udp && !tcpRelay)
        {
            Refuse(context, request, ErrorCode.UnsupportedTransportProtocol, auth, "transport");
            return;
        }

        // 3. Address family (RFC 8656 §7.2 step 5): IPv4 unless REQUESTED-ADDRESS-FAMILY says IPv6.
        var family = AddressFamily.InterNetwork;
        if (request.TryGetAttribute(StunAttributeType.RequestedAddressFamily, out var requestedFamily))
        {
            if (requestedFamily.Length == 0) requestedFamily = [0];
            if (requestedFamily.Length != 4 || requestedFamily[0] is not (StunAddress.FamilyIPv4 or StunAddress.FamilyIPv6))
            {
                Refuse(context, request, ErrorCode.AddressFamilyNotSupported, auth, "family");
                return;
            }
            family = requestedFamily[0] == StunAddress.FamilyIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        }
        // 4. EVEN-PORT and RESERVATION-TOKEN exclude each other, and a token fixes the family (RFC 8656 §7.2 steps 3-4).
        bool evenPort = request.TryGetAttribute(StunAttributeType.EvenPort, out var even);
        bool hasToken = request.TryGetAttribute(StunAttributeType.ReservationToken, out var tokenValue);
        if ((evenPort && hasToken) || (hasToken && requestedFamily.Length > 0) || (hasToken && tokenValue.Length != 8) || (evenPort && even.Length < 1))
        {
            Refuse(context, request, ErrorCode.BadRequest, auth, "bad_request");
            return;
        }
        var relayAddress = turn.Allocations.RelayAddressFor(family, tuple.Server);
        if (relayAddress is null)
        {
            Refuse(context, request, ErrorCode.AddressFamilyNotSupported, auth, "family");
            return;
        }

        // 5. Quota and capacity, then a relay port: reserved, even (holding the next one if R is set), or any.
        var username = auth.Username!;
        switch (turn.Allocations.Reserve(username))
        {
            case AllocationTable.ReserveResult.UserQuota: Refuse(context, request, ErrorCode.AllocationQuotaReached, auth, "quota"); return;
            case AllocationTable.ReserveResult.Capacity: Refuse(context, request, ErrorCode.InsufficientCapacity, auth, "capacity"); return;
        }
        Socket? socket;
        ulong? newToken = null;
        if (tcpRelay)
        {
            socket = turn.Allocations.Ports.BindTcp(relayAddress);
        }
        else if (hasToken)
        {
            socket = turn.Allocations.Reservations.Take(BinaryPrimitives.ReadUInt64BigEndian(tokenValue));
        }
        else if (evenPort && (even[0] & 0x80) != 0)
        {
            Socket? next = null;
            socket = turn.Allocations.Ports.Bind(relayAddress, even: true, port => (next = RelayPortPool.TryBind(relayAddress, port + 1)) is not null);
            if (socket is not null) newToken = turn.Allocations.Reservations.Add(next!);
        }
        else
        {
            socket = turn.Allocations.Ports.Bind(relayAddress, even: evenPort);
        }
        if (socket is null)
        {
            turn.Allocations.Unreserve(username);
            Refuse(context, request, ErrorCode.InsufficientCapacity, auth, hasToken ? "reservation" : "no_ports");
            return;
        }
        if (request.HasAttribute(StunAttributeType.DontFragment) && family == AddressFamily.InterNetwork)
        {
            try { socket.DontFragment = true; } catch (SocketException) { /* not supported here: send anyway */ }
        }

        var clientAddress = new System.Net.SocketAddress(context.ClientAddress.Family, context.ClientAddress.Size);
        context.ClientAddress.Buffer.Span[..context.ClientAddress.Size].CopyTo(clientAddress.Buffer.Span);
        var allocation = new Allocation(tuple, username, request.TransactionId, socket, context.Sink, clientAddress,
            turn.Time, turn.Metrics, turn.Logger);
        allocation.ExpiresTicks = turn.Now + Lifetime(request, turn.Options).Ticks;
        if (!turn.Allocations.TryAdd(allocation))
        {
            allocation.Dispose();
            turn.Allocations.Unreserve(username);
            Refuse(context, request, ErrorCode.AllocationMismatch, auth, "mismatch");
            return;
        }
        allocation.ReservationToken = newToken;
        if (tcpRelay) allocation.TcpConnections = turn.Connections;
        allocation.Start();
        SendSuccess(request, context, auth, allocation);
    }

    /// <summary>min(requested or default, max), and never below the default (RFC 8656 §7.2 step 7).</summary>
    public static TimeSpan Lifetime(in StunMessage request, TurnOptions options)
    {
        var lifetime = options.DefaultAllocationLifetime;
        if (request.TryGetAttribute(StunAttributeType.Lifetime, out var value) && value.Length == 4)
            lifetime = TimeSpan.FromSeconds(BinaryPrimitives.ReadUInt32BigEndian(value));
        if (lifetime < options.DefaultAllocationLifetime) lifetime = options.DefaultAllocationLifetime;
        return lifetime > options.MaxAllocationLifetime ? options.MaxAllocationLifetime : lifetime;
    }

    private void SendSuccess(in StunMessage request, in PacketContext context, in AuthResult auth, Allocation allocation)
    {
        Span<byte> buffer = stackalloc byte[StunResponse.MaxLength];
        var writer = StunResponse.Begin(buffer, request, StunClass.SuccessResponse);
        allocation.Relayed.WriteAttribute(ref writer, StunAttributeType.XorRelayedAddress, xor: true);
        long remaining = Math.Max(0, allocation.ExpiresTicks - turn.Now);
        writer.AddUInt32(StunAttributeType.Lifetime, (uint)TimeSpan.FromTicks(remaining).TotalSeconds);
        context.Tuple.Client.WriteAttribute(ref writer, StunAttributeType.XorMappedAddress, xor: true);
        if (allocation.ReservationToken is { } token) writer.AddUInt64(StunAttributeType.ReservationToken, token);
        StunResponse.Finish(ref writer, turn.Options.Software, auth.Key);
        context.Reply(writer.Written);
    }

    private void Refuse(in PacketContext context, in StunMessage request, int code, in AuthResult auth, string reason)
    {
        turn.Metrics.AllocationRefused(reason);
        StunResponse.SendError(context, request, code, turn.Options.Software, auth.Key);
    }
}
