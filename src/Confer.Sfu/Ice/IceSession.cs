namespace Confer.Sfu.Ice;

/// <summary>
/// One ICE-lite agent's state for one peer connection (RFC 8445 §2.5): our credentials, the client's ufrag, the client
/// 5-tuples that passed a check (<see cref="IcePath"/>) and the one the client nominated. Owned by
/// <see cref="IceSessionTable"/>, which alone changes it; others read.
/// </summary>
public sealed class IceSession
{
    private string? _remoteUfrag;
    private IcePath? _selected;

    internal IceSession(IceCredentials local, string? remoteUfrag)
    {
        Local = local;
        _remoteUfrag = remoteUfrag;
        Key = local.Key();
    }

    /// <summary>Our ufrag and password, for the SDP answer (a=ice-ufrag, a=ice-pwd, a=ice-lite).</summary>
    public IceCredentials Local { get; }

    public string LocalUfrag => Local.Ufrag;

    /// <summary>
    /// The client's ufrag, from its SDP; null until known. While null, checks are accepted whatever their second half
    /// (a check may arrive before the client's description: only our password is needed to answer it, RFC 8445 §7.3).
    /// </summary>
    public string? RemoteUfrag
    {
        get => Volatile.Read(ref _remoteUfrag);
        set => Volatile.Write(ref _remoteUfrag, value);
    }

    /// <summary>The path the client nominated (USE-CANDIDATE, RFC 8445 §7.3.1.5), or null.</summary>
    public IcePath? Selected => Volatile.Read(ref _selected);

    /// <summary>A place for the SFU to hang its transport (the DTLS/SRTP state of this peer connection).</summary>
    public object? Tag { get; set; }

    /// <summary>True once the table let go of it.</summary>
    public bool IsRemoved { get; private set; }

    /// <summary>MESSAGE-INTEGRITY key (the password's bytes).</summary>
    internal byte[] Key { get; }

    /// <summary>Guards <see cref="Paths"/>, <see cref="_selected"/> and <see cref="IsRemoved"/> (writes; reads of Selected are lock-free).</summary>
    internal object Gate { get; } = new();

    /// <summary>The valid paths, under <see cref="Gate"/>.</summary>
    internal List<IcePath> Paths { get; } = new(2);

    internal void SetSelected(IcePath? path) => Volatile.Write(ref _selected, path);

    internal void MarkRemoved() => IsRemoved = true;

    /// <summary>How many client 5-tuples passed a check and still have consent.</summary>
    public int PathCount
    {
        get { lock (Gate) return Paths.Count; }
    }

    public override string ToString() => $"ICE session {LocalUfrag}";
}
