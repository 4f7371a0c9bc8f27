namespace Confer.Sfu.Ice;

/// <summary>
/// What the SFU hears from ICE: a path was nominated, or the nominated one lost consent. Called on a receive thread or
/// the sweep timer, outside the table's locks; implementations return quickly and never throw.
/// </summary>
public interface IIceSessionListener
{
    /// <summary>The client nominated <paramref name="path"/> (USE-CANDIDATE, RFC 8445 §7.3.1.5); also on a later switch.</summary>
    void OnSelected(IceSession session, IcePath path);

    /// <summary>
    /// The nominated path had no valid check for <see cref="IceOptions.ConsentTimeout"/> (RFC 7675 §5.1), or its connection
    /// closed: stop sending on it (RFC 7675 §5.2). The session stays until its owner removes it, so a client may nominate again.
    /// </summary>
    void OnConsentLost(IceSession session);
}

/// <summary>The listener when nobody listens.</summary>
public sealed class NullIceSessionListener : IIceSessionListener
{
    public static readonly NullIceSessionListener Instance = new();

    public void OnSelected(IceSession session, IcePath path) { }

    public void OnConsentLost(IceSession session) { }
}
