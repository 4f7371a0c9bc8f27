using System.Text;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Stun.Auth;
using Confer.Turn.Allocations;
using Confer.Turn.Handlers;
using Confer.Turn.Transport;

namespace Confer.Turn.Auth;

/// <summary>What checking a request's long-term credentials decided.</summary>
public enum AuthOutcome
{
    Ok,
    /// <summary>No MESSAGE-INTEGRITY: 401 with REALM and NONCE, the normal first round trip.</summary>
    Challenge,
    /// <summary>Missing or inconsistent attributes: 400.</summary>
    BadRequest,
    /// <summary>Unknown user, expired REST credential or wrong integrity: 401.</summary>
    Rejected,
    /// <summary>Good credentials with an expired nonce: 438 and a fresh nonce.</summary>
    StaleNonce,
}

public readonly record struct AuthResult(AuthOutcome Outcome, string? Username, IntegrityKey Key);

/// <summary>
/// The long-term credential mechanism on the server side (RFC 8489 §9.2.4), with static users and REST
/// credentials, SHA-256 and MD5 password algorithms (SHA-256 preferred) and USERHASH.
/// </summary>
public sealed class LongTermAuthenticator
{
    private readonly TurnOptions _options;
    private readonly TimeProvider _time;
    private readonly TurnMetrics _metrics;
    private readonly NonceService _nonces;
    private readonly Dictionary<string, (byte[] Md5, byte[] Sha256)> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _byUserHash = new(StringComparer.Ordinal);

    public LongTermAuthenticator(TurnOptions options, TimeProvider time, TurnMetrics metrics)
    {
        _options = options;
        _time = time;
        _metrics = metrics;
        _nonces = new NonceService(time, options.NonceLifetime);
        foreach (var (user, password) in options.Users)
        {
            _users[user] = (LongTermKey.Derive(PasswordAlgorithm.Md5, user, options.Realm, password),
                LongTermKey.Derive(PasswordAlgorithm.Sha256, user, options.Realm, password));
            _byUserHash[Convert.ToBase64String(LongTermKey.UserHash(user, options.Realm))] = user;
        }
    }

    /// <summary>PASSWORD-ALGORITHMS as this server announces them (RFC 8489 §14.11): SHA-256 first (preferred), then MD5.</summary>
    private static ReadOnlySpan<PasswordAlgorithm> Algorithms => [PasswordAlgorithm.Sha256, PasswordAlgorithm.Md5];

    public NonceService Nonces => _nonces;

    public AuthResult Authenticate(in StunMessage request, in TransportAddress client)
    {
        // 1. No integrity at all: challenge.
        bool sha256 = request.MessageIntegritySha256Offset >= 0;
        if (request.MessageIntegrityOffset < 0 && !sha256) return new(AuthOutcome.Challenge, null, default);

        // 2. USERNAME or USERHASH, REALM and NONCE must all be there.
        bool hasUser = request.TryGetAttribute(StunAttributeType.Username, out var userBytes);
        bool hasHash = request.TryGetAttribute(StunAttributeType.UserHash, out var userHash);
        if ((!hasUser && !hasHash) || !request.TryGetAttribute(StunAttributeType.Realm, out var realm) ||
            !request.TryGetAttribute(StunAttributeType.Nonce, out var nonce))
            return Fail(AuthOutcome.BadRequest, "missing_attributes");

        // 3. Our nonce cookie announces password algorithms: both attributes or neither (then MD5).
        bool hasList = request.TryGetAttribute(StunAttributeType.PasswordAlgorithms, out var list);
        bool hasChoice = request.TryGetAttribute(StunAttributeType.PasswordAlgorithm, out var choice);
        var algorithm = PasswordAlgorithm.Md5;
        if (hasList != hasChoice) return Fail(AuthOutcome.BadRequest, "password_algorithm");
        if (hasChoice)
        {
            if (!PasswordAlgorithms.Matches(list, Algorithms) || !PasswordAlgorithms.TryReadOne(choice, out algorithm, out _))
                return Fail(AuthOutcome.BadRequest, "password_algorithm");
            if (algorithm is not (PasswordAlgorithm.Md5 or PasswordAlgorithm.Sha256)) return Fail(AuthOutcome.BadRequest, "password_algorithm");
        }

        // 4. A known user in our realm.
        if (!realm.SequenceEqual(Encoding.UTF8.GetBytes(_options.Realm))) return Fail(AuthOutcome.Rejected, "realm");
        string? username = hasUser ? DecodeUsername(userBytes) : _byUserHash.GetValueOrDefault(Convert.ToBase64String(userHash));
        if (username is null) return Fail(AuthOutcome.Rejected, "unknown_user");
        // A REST credential's expiry bounds when allocations can be made with it, not how long one made in time lives:
        // requests on an existing allocation (Refresh, CreatePermission, ChannelBind, Connect) must come from its 5-tuple
        // and its user (AllocationChecks.TryGetOwn, 437/441), so a meeting that outlasts its credential keeps its relay.
        bool onExistingAllocation = request.Method is StunMethod.Refresh or StunMethod.CreatePermission or StunMethod.ChannelBind or StunMethod.Connect;
        var key = KeyFor(username, algorithm, onExistingAllocation, out var reason);
        if (key is null) return Fail(AuthOutcome.Rejected, reason!);

        // 5. The integrity must match (MESSAGE-INTEGRITY-SHA256 when present, RFC 8489 §9.2.4).
        bool good = sha256 ? MessageIntegrity.VerifySha256(request, key) : MessageIntegrity.VerifySha1(request, key);
        if (!good) return Fail(AuthOutcome.Rejected, "integrity");

        // 6. Only now can the nonce be called stale: the client proved it knows the password.
        var check = _nonces.Verify(nonce, client);
        if (check != NonceService.Check.Valid) return Fail(AuthOutcome.StaleNonce, check == NonceService.Check.Stale ? "stale_nonce" : "bad_nonce");
        return new(AuthOutcome.Ok, username, new IntegrityKey(key, sha256));
    }

    private AuthResult Fail(AuthOutcome outcome, string reason)
    {
        _metrics.AuthFailed(reason);
        return new(outcome, null, default);
    }

    private static string? DecodeUsername(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length is 0 or > 513) return null;
        try { return new UTF8Encoding(false, true).GetString(bytes); }
        catch (ArgumentException) { return null; }
    }

    private byte[]? KeyFor(string username, PasswordAlgorithm algorithm, bool expiredAllowed, out string? reason)
    {
        reason = null;
        if (_users.TryGetValue(username, out var keys)) return algorithm == PasswordAlgorithm.Sha256 ? keys.Sha256 : keys.Md5;
        if (_options.Secret is { } secret && RestCredentials.TryGetExpiry(username, out var expires))
        {
            if (!expiredAllowed && expires <= _time.GetUtcNow()) { reason = "expired"; return null; }
            return LongTermKey.Derive(algorithm, username, _options.Realm, RestCredentials.Password(secret, username));
        }
        reason = "unknown_user";
        return null;
    }

    /// <summary>Answers a request that failed authentication (401, 400 or 438), unsigned.</summary>
    public void SendFailure(in PacketContext context, in StunMessage request, AuthOutcome outcome)
    {
        int code = outcome switch
        {
            AuthOutcome.BadRequest => ErrorCode.BadRequest,
            AuthOutcome.StaleNonce => ErrorCode.StaleNonce,
            _ => ErrorCode.Unauthenticated,
        };
        Span<byte> buffer = stackalloc byte[StunResponse.MaxLength];
        var writer = StunResponse.Begin(buffer, request, StunClass.ErrorResponse);
        writer.AddErrorCode(code, ErrorCode.DefaultReason(code));
        if (code != ErrorCode.BadRequest)
        {
            writer.AddString(StunAttributeType.Realm, _options.Realm);
            writer.AddString(StunAttributeType.Nonce, _nonces.Create(context.Tuple.Client));
            writer.AddPasswordAlgorithms(Algorithms);
        }
        StunResponse.Finish(ref writer, null, default); // no SOFTWARE in an error
        context.Reply(writer.Written);
    }
}
