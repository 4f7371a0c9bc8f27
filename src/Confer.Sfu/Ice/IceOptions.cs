namespace Confer.Sfu.Ice;

/// <summary>
/// ICE-lite limits and timers, with their defaults visible here (RFC 8445 §2.5, RFC 7675). Checked once, when the
/// <see cref="IceSessionTable"/> is made: <see cref="Validate"/> says what to change.
/// </summary>
public sealed class IceOptions
{
    /// <summary>
    /// Sessions held at once: one per peer connection (a participant publishing and subscribing over one bundled transport
    /// holds one). Past it <see cref="IceSessionTable.TryCreate"/> refuses. 10 000 sessions with their paths take a few MB.
    /// </summary>
    public int MaxSessions { get; set; } = 10_000;

    /// <summary>
    /// Client 5-tuples that passed a check, kept per session (RFC 8445 §7.2.5.3.2, the valid list as a lite agent sees it):
    /// host, server-reflexive and relayed candidates over IPv4 and IPv6 each reach us from their own address. Past it, the
    /// path checked longest ago that is not selected makes room.
    /// </summary>
    public int MaxPathsPerSession { get; set; } = 16;

    /// <summary>
    /// How long a path keeps consent without a valid check (RFC 7675 §5.1: 30 s). Browsers check the selected pair every
    /// 5 s or so (RFC 7675 §5.1: randomised 4-6 s); a selected path past it is lost and its session's listener is told.
    /// </summary>
    public TimeSpan ConsentTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often consent is swept. Expiry is noticed at most this late.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Length of the ufrags this server makes (RFC 8445 §5.3: at least 4 ice-chars; 24 bits of randomness at least).</summary>
    public int UfragLength { get; set; } = 8;

    /// <summary>Length of the passwords this server makes (RFC 8445 §5.3: at least 22 ice-chars, 128 bits of randomness).</summary>
    public int PasswordLength { get; set; } = 24;

    /// <summary>Null when the options can work; else a sentence saying what to change.</summary>
    public string? Validate()
    {
        if (MaxSessions < 1) return $"Ice:MaxSessions is {MaxSessions}; it must be at least 1.";
        if (MaxPathsPerSession < 1) return $"Ice:MaxPathsPerSession is {MaxPathsPerSession}; it must be at least 1.";
        if (ConsentTimeout <= TimeSpan.Zero) return $"Ice:ConsentTimeout is {ConsentTimeout}; it must be positive (RFC 7675 suggests 30 s).";
        if (SweepInterval <= TimeSpan.Zero || SweepInterval > ConsentTimeout)
            return $"Ice:SweepInterval is {SweepInterval}; it must be positive and no longer than Ice:ConsentTimeout ({ConsentTimeout}).";
        if (UfragLength is < IceCredentials.MinUfragLength or > IceCredentials.MaxLength)
            return $"Ice:UfragLength is {UfragLength}; RFC 8445 §5.3 needs {IceCredentials.MinUfragLength} to {IceCredentials.MaxLength}.";
        if (PasswordLength is < IceCredentials.MinPasswordLength or > IceCredentials.MaxLength)
            return $"Ice:PasswordLength is {PasswordLength}; RFC 8445 §5.3 needs {IceCredentials.MinPasswordLength} to {IceCredentials.MaxLength}.";
        return null;
    }
}
