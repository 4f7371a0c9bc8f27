using System.Net;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Turn.Allocations;
using Confer.Turn.Transport;

namespace Confer.Turn.Handlers;

/// <summary>
/// Binding (RFC 8489 §6.3.1, RFC 5780 §6.1): answers with the source transport address as the server saw
/// it — XOR-MAPPED-ADDRESS, and MAPPED-ADDRESS for clients that predate it. With an alternate address,
/// also RESPONSE-ORIGIN and OTHER-ADDRESS, and CHANGE-REQUEST / RESPONSE-PORT are honoured (UDP only).
/// </summary>
internal sealed class BindingHandler(TurnOptions options, TurnMetrics metrics)
{
    private static ReadOnlySpan<StunAttributeType> Known =>
    [
        StunAttributeType.Username, StunAttributeType.MessageIntegrity, StunAttributeType.MessageIntegritySha256,
        StunAttributeType.Priority, StunAttributeType.UseCandidate, StunAttributeType.ResponsePort, StunAttributeType.Padding,
    ];

    public void Handle(in StunMessage request, in PacketContext context)
    {
        var listeners = context.Listeners;
        bool rfc5780 = listeners is { HasAlternate: true };

        // 1. Unknown comprehension-required attributes → 420 (CHANGE-REQUEST is unknown without a second address).
        Span<ushort> unknown = stackalloc ushort[StunResponse.MaxUnknown];
        int unknownCount = 0;
        foreach (var attribute in request.Attributes)
        {
            var type = attribute.Type;
            if (!type.IsComprehensionRequired() || Known.Contains(type)) continue;
            if (type == StunAttributeType.ChangeRequest && rfc5780) continue;
            if (unknown[..unknownCount].Contains((ushort)type) || unknownCount == unknown.Length) continue;
            unknown[unknownCount++] = (ushort)type;
        }
        if (unknownCount > 0)
        {
            StunResponse.SendError(context, request, ErrorCode.UnknownAttribute, unknown: unknown[..unknownCount]);
            return;
        }

        // 2. Which socket answers (RFC 5780 §6.1): CHANGE-REQUEST flips the IP and/or the port.
        int from = context.LocalIndex;
        if (rfc5780 && request.TryGetAttribute(StunAttributeType.ChangeRequest, out var change))
        {
            if (!ChangeRequest.TryRead(change, out var flags)) { StunResponse.SendError(context, request, ErrorCode.BadRequest); return; }
            if ((flags & ChangeRequestFlags.ChangeIP) != 0) from ^= 2;
            if ((flags & ChangeRequestFlags.ChangePort) != 0) from ^= 1;
        }

        // 3. Where it goes (RFC 5780 §7.5): RESPONSE-PORT names another port of the client (UDP only).
        var destination = context.ClientAddress;
        if (request.TryGetAttribute(StunAttributeType.ResponsePort, out var responsePort))
        {
            if (!ResponsePort.TryRead(responsePort, out ushort port) || listeners is null)
            {
                StunResponse.SendError(context, request, ErrorCode.BadRequest);
                return;
            }
            destination = WithPort(context.ClientAddress, port);
        }

        Span<byte> buffer = stackalloc byte[StunResponse.MaxLength];
        var writer = StunResponse.Begin(buffer, request, StunClass.SuccessResponse);
        var mapped = context.Tuple.Client;
        mapped.WriteAttribute(ref writer, StunAttributeType.XorMappedAddress, xor: true);
        mapped.WriteAttribute(ref writer, StunAttributeType.MappedAddress, xor: false);
        IClientSink sink = context.Sink;
        if (rfc5780)
        {
            var origin = listeners![from]!;
            sink = origin;
            ResponseAddress(origin.Local, context.Tuple.Server).WriteAttribute(ref writer, StunAttributeType.ResponseOrigin, xor: false);
            listeners[context.LocalIndex ^ 3]!.Local.WriteAttribute(ref writer, StunAttributeType.OtherAddress, xor: false);
        }
        StunResponse.Finish(ref writer, options.Software, default);
        sink.Send(writer.Written, destination);
        metrics.BindingAnswered();
    }

    // A listener bound to a concrete address reports itself; the receiving address otherwise.
    private static TransportAddress ResponseAddress(TransportAddress local, TransportAddress fallback) =>
        local.Address == UInt128.Zero ? fallback : local;

    private static SocketAddress WithPort(SocketAddress address, ushort port)
    {
        var copy = new SocketAddress(address.Family, address.Size);
        address.Buffer.Span[..address.Size].CopyTo(copy.Buffer.Span);
        TransportAddress.FromSocketAddress(address).WithPort(port).WriteTo(copy);
        return copy;
    }
}
