namespace Confer.Sfu.Ice;

/// <summary>What <see cref="IceCheckHandler"/> made of a packet.</summary>
public enum IceCheckResult : byte
{
    /// <summary>Not a Binding request whose USERNAME names a session here: someone else's (TURN's) to handle.</summary>
    NotIce,
    /// <summary>A valid check: success response sent, consent refreshed (RFC 7675).</summary>
    Success,
    /// <summary>A valid check with USE-CANDIDATE: success response sent, the path is (still) the selected one.</summary>
    Nominated,
    /// <summary>Ours but dropped without an answer: no or a bad FINGERPRINT, or the session went meanwhile.</summary>
    Dropped,
    /// <summary>400: no MESSAGE-INTEGRITY, or a malformed ICE attribute.</summary>
    BadRequest,
    /// <summary>401: wrong password or a USERNAME whose second half is not the client's ufrag.</summary>
    Unauthenticated,
    /// <summary>420: an unknown comprehension-required attribute.</summary>
    UnknownAttribute,
    /// <summary>487: the client claimed the controlled role too (RFC 8445 §7.3.1.1).</summary>
    RoleConflict,
}
