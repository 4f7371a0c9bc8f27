using System.Buffers.Binary;
using Confer.Stun;
using Confer.Stun.Attributes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using IceAttributes = Confer.Stun.Attributes.Ice;

namespace Confer.Sfu.Ice;

/// <summary>
/// Answers connectivity checks as an ICE-lite agent (RFC 8445 §2.5, §7.3): a Binding request whose USERNAME is
/// "ourUfrag:theirUfrag", signed with our password. A lite agent sends no checks and is always the controlled agent
/// against a full one (RFC 8445 §6.1.1), so the client nominates with USE-CANDIDATE. Checks refresh consent (RFC 7675).
/// Allocation-free for a check on a known path.
/// </summary>
public sealed partial class IceCheckHandler
{
    /// <summary>The most bytes an answer takes: header, XOR-MAPPED-ADDRESS (IPv6), MESSAGE-INTEGRITY, FINGERPRINT,
    /// or an ERROR-CODE with its reason and UNKNOWN-ATTRIBUTES; plus an RFC 4571 length for ICE-TCP.</summary>
    private const int ResponseCapacity = 256;
    private const int MaxUnknown = 16;
    private const int MaxUfragChars = IceCredentials.MaxLength;

    // The attributes a check may carry that we understand (RFC 8445 §7.1, RFC 8489 §14).
    private static ReadOnlySpan<StunAttributeType> Known =>
    [
        StunAttributeType.Username, StunAttributeType.MessageIntegrity, StunAttributeType.MessageIntegritySha256,
        StunAttributeType.Fingerprint, StunAttributeType.Priority, StunAttributeType.UseCandidate,
        StunAttributeType.IceControlled, StunAttributeType.IceControlling, StunAttributeType.Software,
    ];

    private readonly IceSessionTable _table;
    private readonly ILogger _logger;

    public IceCheckHandler(IceSessionTable table, ILogger<IceCheckHandler>? logger = null)
    {
        _table = table;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>
    /// Handles <paramref name="packet"/> if it is a check for a session here. <see cref="IceCheckResult.NotIce"/> means it
    /// was left alone (not a Binding request, malformed, no USERNAME, or an unknown ufrag). With <paramref name="framed"/>
    /// (ICE-TCP) the answer goes out with an RFC 4571 length prefix; <paramref name="packet"/> is the message without it.
    /// Never throws for any input.
    /// </summary>
    public IceCheckResult Handle(ReadOnlySpan<byte> packet, in PacketContext context, bool framed = false)
    {
        // Cheap rejections first: a Binding request (type 0x0001) with the magic cookie.
        if (packet.Length < StunMessage.HeaderLength || packet[0] != 0 || packet[1] != 1 || !StunMessage.LooksLikeStun(packet)) return IceCheckResult.NotIce;
        if (!StunMessage.TryRead(packet, out var request, out _)) return IceCheckResult.NotIce;
        if (!request.TryGetAttribute(StunAttributeType.Username, out var username)) return IceCheckResult.NotIce;
        if (!TryFindSession(username, out var session, out int colon)) return IceCheckResult.NotIce;

        // Ours from here. ICE requires FINGERPRINT on checks (RFC 8445 §7.2.2); a wrong one means not STUN (RFC 8489 §7.3).
        if (request.FingerprintOffset < 0 || !Fingerprint.Verify(request))
        {
            Log.Dropped(_logger, context.Tuple, "no valid FINGERPRINT");
            return IceCheckResult.Dropped;
        }
        // RFC 8489 §9.1.3 (RFC 5389 §10.1.2): without MESSAGE-INTEGRITY, 400; a USERNAME we cannot accept or a wrong MAC, 401.
        if (request.MessageIntegrityOffset < 0)
            return Error(request, context, framed, ErrorCode.BadRequest, key: default, IceCheckResult.BadRequest);
        if (colon < 0 || !RemoteMatches(session, username[(colon + 1)..]) || !MessageIntegrity.VerifySha1(request, session.Key))
        {
            Log.Dropped(_logger, context.Tuple, "unauthenticated");
            return Error(request, context, framed, ErrorCode.Unauthenticated, key: default, IceCheckResult.Unauthenticated);
        }
        var key = session.Key.AsSpan();

        // RFC 8489 §6.3.1: unknown comprehension-required attributes, after authentication so the 420 can be signed.
        Span<ushort> unknown = stackalloc ushort[MaxUnknown];
        int unknownCount = request.GetUnknownComprehensionRequired(Known, unknown);
        if (unknownCount > 0) return Error(request, context, framed, ErrorCode.UnknownAttribute, key, IceCheckResult.UnknownAttribute, unknown[..unknownCount]);

        // RFC 8445 §7.1.1-7.1.3: PRIORITY is 4 bytes, USE-CANDIDATE empty, a role attribute 8 bytes, and one role at most.
        bool controlling = request.TryGetAttribute(StunAttributeType.IceControlling, out var controllingValue);
        bool controlled = request.TryGetAttribute(StunAttributeType.IceControlled, out var controlledValue);
        bool useCandidate = request.TryGetAttribute(StunAttributeType.UseCandidate, out var useCandidateValue);
        if ((controlling && controlled)
            || (controlling && !IceAttributes.TryReadTieBreaker(controllingValue, out _))
            || (controlled && !IceAttributes.TryReadTieBreaker(controlledValue, out _))
            || (useCandidate && !IceAttributes.IsValidUseCandidate(useCandidateValue))
            || (request.TryGetAttribute(StunAttributeType.Priority, out var priority) && !IceAttributes.TryReadPriority(priority, out _)))
        {
            return Error(request, context, framed, ErrorCode.BadRequest, key, IceCheckResult.BadRequest);
        }

        // RFC 8445 §7.3.1.1 for the controlled agent: a request with ICE-CONTROLLED is a conflict. A lite agent cannot take
        // the controlling role from a full agent (§6.1.1), so it always answers 487 and keeps its role, as if its
        // tie-breaker were the smallest; the client switches to controlling and checks again.
        if (controlled)
        {
            Log.Dropped(_logger, context.Tuple, "role conflict");
            return Error(request, context, framed, ErrorCode.RoleConflict, key, IceCheckResult.RoleConflict);
        }

        // A valid check: the path is valid, consent refreshed; USE-CANDIDATE from the controlling agent nominates it
        // (RFC 8445 §7.3.1.5). A check without a role attribute (RFC 5245 agents) is treated as the controlling one's.
        var path = _table.OnValidCheck(session, context, nominate: useCandidate);
        if (path is null) return IceCheckResult.Dropped;

        // RFC 8445 §7.3.1.3, RFC 8489 §14.2: the success response reflects the source address, signed with our password.
        Span<byte> buffer = stackalloc byte[ResponseCapacity];
        var writer = new StunMessageWriter(framed ? buffer[2..] : buffer, StunMessageType.BindingSuccess, request.TransactionId);
        var client = context.Tuple.Client;
        Span<byte> address = stackalloc byte[16];
        int addressLength = client.WriteAddressBytes(address);
        writer.AddXorAddress(StunAttributeType.XorMappedAddress, address[..addressLength], client.Port);
        writer.AddMessageIntegrity(key);
        writer.AddFingerprint();
        Send(context, buffer, writer.Length, framed);
        return useCandidate ? IceCheckResult.Nominated : IceCheckResult.Success;
    }

    /// <summary>
    /// True when <paramref name="packet"/> is a Binding request whose USERNAME starts with the ufrag of a session here
    /// (nothing is verified or answered): how a new ICE-TCP connection is told apart from TURN's (RFC 6544 §3).
    /// Allocation-free; never throws.
    /// </summary>
    public bool IsCheckForKnownSession(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < StunMessage.HeaderLength || packet[0] != 0 || packet[1] != 1 || !StunMessage.LooksLikeStun(packet)) return false;
        return StunMessage.TryRead(packet, out var request, out _)
            && request.TryGetAttribute(StunAttributeType.Username, out var username)
            && TryFindSession(username, out _, out _);
    }

    // USERNAME = "ourUfrag:theirUfrag" (RFC 8445 §7.2.2). Ufrags are ice-chars, so ASCII: one char per byte.
    private bool TryFindSession(ReadOnlySpan<byte> username, out IceSession session, out int colon)
    {
        session = null!;
        colon = username.IndexOf((byte)':');
        var localPart = colon < 0 ? username : username[..colon];
        if (localPart.IsEmpty || localPart.Length > MaxUfragChars) return false;
        Span<char> ufrag = stackalloc char[MaxUfragChars];
        for (int i = 0; i < localPart.Length; i++)
        {
            if (!IceCredentials.IsIceChar(localPart[i])) return false;
            ufrag[i] = (char)localPart[i];
        }
        return _table.TryGet(ufrag[..localPart.Length], out session);
    }

    private static bool RemoteMatches(IceSession session, ReadOnlySpan<byte> remotePart)
    {
        var expected = session.RemoteUfrag;
        if (expected is null) return true; // not yet known: our password is what authenticates (RFC 8445 §7.3)
        if (remotePart.Length != expected.Length) return false;
        for (int i = 0; i < remotePart.Length; i++) if (remotePart[i] != expected[i]) return false;
        return true;
    }

    /// <summary>
    /// An error response (RFC 8489 §6.3.4): ERROR-CODE, UNKNOWN-ATTRIBUTES for 420, MESSAGE-INTEGRITY when the request
    /// authenticated (not for 400/401 before that, RFC 8489 §9.1.3), FINGERPRINT always (RFC 8445 §7.3).
    /// </summary>
    private static IceCheckResult Error(in StunMessage request, in PacketContext context, bool framed, int code,
        ReadOnlySpan<byte> key, IceCheckResult result, ReadOnlySpan<ushort> unknown = default)
    {
        Span<byte> buffer = stackalloc byte[ResponseCapacity];
        var writer = new StunMessageWriter(framed ? buffer[2..] : buffer, request.Type.WithClass(StunClass.ErrorResponse), request.TransactionId);
        writer.AddErrorCode(code);
        if (!unknown.IsEmpty) writer.AddUnknownAttributes(unknown);
        if (!key.IsEmpty) writer.AddMessageIntegrity(key);
        writer.AddFingerprint();
        Send(context, buffer, writer.Length, framed);
        return result;
    }

    private static void Send(in PacketContext context, Span<byte> buffer, int length, bool framed)
    {
        if (!framed)
        {
            context.Reply(buffer[..length]);
            return;
        }
        IceTcpFramer.WriteLength(buffer, length); // RFC 4571 §2
        context.Reply(buffer[..(length + IceTcpFramer.LengthPrefix)]);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "ICE check from {Tuple} not answered with success: {Reason}")]
        public static partial void Dropped(ILogger logger, FiveTuple tuple, string reason);
    }
}
