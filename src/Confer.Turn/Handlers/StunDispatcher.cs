using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Transport.Classification;
using Confer.Turn.Allocations;
using Confer.Turn.Auth;
using Confer.Turn.Transport;
using Microsoft.Extensions.Logging;

namespace Confer.Turn.Handlers;

/// <summary>
/// The entry point for every packet a client sends: ChannelData goes to the relay, STUN messages to the
/// handler for their method (one file per method). Anything else is dropped without a reply and without
/// creating state (RFC 8489 §6.3: a server silently discards what is not a well-formed message).
/// </summary>
public sealed partial class StunDispatcher : IPacketHandler, IDisposable
{
    private readonly BindingHandler _binding;
    private readonly AllocateHandler _allocate;
    private readonly RefreshHandler _refresh;
    private readonly CreatePermissionHandler _createPermission;
    private readonly ChannelBindHandler _channelBind;
    private readonly SendHandler _send;
    private readonly ConnectHandler _connect;
    private readonly ConnectionBindHandler _connectionBind;
    private readonly ChannelDataHandler _channelData;
    private readonly LongTermAuthenticator _auth;
    private readonly UnauthenticatedLimiter _unauthenticated;
    private readonly TurnOptions _options;
    private readonly ILogger _logger;
    private readonly TurnMetrics _metrics;

    public StunDispatcher(TurnOptions options, TurnMetrics metrics, TimeProvider time, ILogger<StunDispatcher> logger)
    {
        _options = options;
        _metrics = metrics;
        _logger = logger;
        Allocations = new AllocationTable(options, time, metrics, logger);
        _auth = new LongTermAuthenticator(options, time, metrics);
        _unauthenticated = new UnauthenticatedLimiter(options, time);
        var turn = new TurnContext(options, Allocations, new PeerPolicy(options), time, metrics, logger);
        _binding = new BindingHandler(options, metrics);
        _allocate = new AllocateHandler(turn);
        _refresh = new RefreshHandler(turn);
        _createPermission = new CreatePermissionHandler(turn);
        _channelBind = new ChannelBindHandler(turn);
        _send = new SendHandler(turn);
        _connect = new ConnectHandler(turn);
        _connectionBind = new ConnectionBindHandler(turn);
        _channelData = new ChannelDataHandler(turn);
    }

    /// <summary>The allocation table this server owns.</summary>
    public AllocationTable Allocations { get; }

    public void OnPacket(ReadOnlySpan<byte> packet, in PacketContext context)
    {
        // RFC 7983 §7: the first byte says what a datagram carries. ChannelData is 64-79 there; RFC 5766's wider
        // channel range (up to 0x7FFF, still bound by older clients) falls in the unassigned 80-127. DTLS, ZRTP and
        // RTP/RTCP are not TURN's: dropped here until the SFU shares the port.
        switch (PacketClassifier.Classify(packet))
        {
            case PacketKind.ChannelData:
            case PacketKind.Unknown when ChannelData.LooksLikeChannelData(packet):
                _channelData.Handle(packet, context);
                return;
            case PacketKind.Dtls or PacketKind.Zrtp or PacketKind.Rtp or PacketKind.Rtcp:
                _metrics.Dropped("not_turn");
                return;
        }
        if (!StunMessage.TryRead(packet, out var message, out var error))
        {
            _metrics.Dropped("malformed");
            Log.Malformed(_logger, context.Tuple, error);
            return;
        }
        // A FINGERPRINT that does not match means this is not STUN after all (RFC 8489 §7.3).
        if (message.FingerprintOffset >= 0 && !Fingerprint.Verify(message))
        {
            _metrics.Dropped("fingerprint");
            Log.BadFingerprint(_logger, context.Tuple);
            return;
        }
        if (message.Class == StunClass.Request)
        {
            switch (message.Method)
            {
                case StunMethod.Binding: _binding.Handle(message, context); return;
                case StunMethod.Allocate:
                    Authenticated(message, context, AllocateHandler.Known, _allocate.Handle);
                    // A TCP/TLS connection that now holds an allocation has proved itself: its transport's deadline is lifted.
                    if (context.Sink is IStreamSession session && Allocations.Contains(context.Tuple)) session.MarkAuthenticated();
                    return;
                case StunMethod.Refresh: Authenticated(message, context, RefreshHandler.Known, _refresh.Handle); return;
                case StunMethod.CreatePermission: Authenticated(message, context, CreatePermissionHandler.Known, _createPermission.Handle); return;
                case StunMethod.ChannelBind: Authenticated(message, context, ChannelBindHandler.Known, _channelBind.Handle); return;
                case StunMethod.Connect when context.Sink.Transport != ClientTransport.Udp && _options.TcpRelay:
                    Authenticated(message, context, ConnectHandler.Known, _connect.Handle); return;
                case StunMethod.ConnectionBind when context.Sink.Transport != ClientTransport.Udp && _options.TcpRelay:
                    Authenticated(message, context, ConnectionBindHandler.Known, _connectionBind.Handle);
                    if (context.Sink is IStreamClientSink { Upgraded: not null } and IStreamSession bound) bound.MarkAuthenticated(); // an RFC 6062 data connection
                    return;
            }
        }
        else if (message.Class == StunClass.Indication && message.Method == StunMethod.Send)
        {
            _send.Handle(message, context);
            return;
        }
        _metrics.Dropped("unexpected");
        Log.Unexpected(_logger, context.Tuple, message.Type);
    }

    private delegate void TurnHandler(in StunMessage request, in PacketContext context, in AuthResult auth);

    /// <summary>
    /// Long-term credentials first (RFC 8489 §9.2.4), then unknown attributes (RFC 8489 §6.3.1), then the method. A request
    /// without credentials that could never succeed gets no answer at all, and answers to requests that did not
    /// authenticate are rate-limited per source address (<see cref="UnauthenticatedLimiter"/>): a stranger, or someone
    /// spoofing a victim's address, cannot make the server send more than a few times what it was sent.
    /// </summary>
    private void Authenticated(in StunMessage request, in PacketContext context, ReadOnlySpan<StunAttributeType> known, TurnHandler handler)
    {
        var auth = _auth.Authenticate(request, context.Tuple.Client);
        if (auth.Outcome != AuthOutcome.Ok)
        {
            if (auth.Outcome == AuthOutcome.Challenge && !CanBeValid(request, context))
            {
                _metrics.Dropped("invalid_unauthenticated");
                Log.Unexpected(_logger, context.Tuple, request.Type);
                return;
            }
            if (!_unauthenticated.TryTake(context.Tuple.Client))
            {
                _metrics.Dropped("unauthenticated_rate");
                return;
            }
            if (request.Method == StunMethod.Allocate && auth.Outcome != AuthOutcome.Challenge) _metrics.AllocationRefused("auth");
            Log.AuthFailed(_logger, context.Tuple, request.Method, auth.Outcome);
            _auth.SendFailure(context, request, auth.Outcome);
            return;
        }
        Span<ushort> unknown = stackalloc ushort[StunResponse.MaxUnknown];
        int count = 0;
        foreach (var attribute in request.Attributes)
        {
            var type = attribute.Type;
            if (!type.IsComprehensionRequired() || known.Contains(type) || StunResponse.CommonKnown.Contains(type)) continue;
            if (count == unknown.Length || unknown[..count].Contains((ushort)type)) continue;
            unknown[count++] = (ushort)type;
        }
        if (count > 0)
        {
            StunResponse.SendError(context, request, ErrorCode.UnknownAttribute, auth.Key, unknown[..count]);
            return;
        }
        handler(request, context, auth);
    }

    /// <summary>
    /// Whether an unauthenticated request could lead anywhere once signed: an Allocate needs REQUESTED-TRANSPORT (RFC 8656
    /// §7.2); a Refresh, CreatePermission, ChannelBind or Connect an allocation on its 5-tuple and the attributes its
    /// method requires; a ConnectionBind a CONNECTION-ID. Anything else is answered with silence, not a 401.
    /// </summary>
    private bool CanBeValid(in StunMessage request, in PacketContext context)
    {
        switch (request.Method)
        {
            case StunMethod.Allocate:
                return request.TryGetAttribute(StunAttributeType.RequestedTransport, out var transport) && RequestedTransport.TryRead(transport, out _);
            case StunMethod.ConnectionBind:
                return request.HasAttribute(StunAttributeType.ConnectionId);
        }
        if (!Allocations.Contains(context.Tuple)) return false;
        return request.Method switch
        {
            StunMethod.CreatePermission or StunMethod.Connect => request.HasAttribute(StunAttributeType.XorPeerAddress),
            StunMethod.ChannelBind => request.HasAttribute(StunAttributeType.XorPeerAddress) && request.HasAttribute(StunAttributeType.ChannelNumber),
            _ => true,
        };
    }

    public void OnConnectionClosed(in FiveTuple tuple) => Allocations.Remove(tuple);

    public void Dispose() => Allocations.Dispose();

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Trace, Message = "Dropped a malformed packet from {Tuple}: {Error}")]
        public static partial void Malformed(ILogger logger, FiveTuple tuple, StunError error);

        [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Dropped a message with a bad FINGERPRINT from {Tuple}")]
        public static partial void BadFingerprint(ILogger logger, FiveTuple tuple);

        [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "{Method} from {Tuple} not authenticated: {Outcome}")]
        public static partial void AuthFailed(ILogger logger, FiveTuple tuple, StunMethod method, AuthOutcome outcome);

        [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Dropped an unexpected {Type} from {Tuple}")]
        public static partial void Unexpected(ILogger logger, FiveTuple tuple, StunMessageType type);
    }
}
