namespace Confer.Sfu.Dtls;

/// <summary>Limits and timers of one <see cref="DtlsTransport"/>; defaults are visible here and checked by <see cref="Validate"/>.</summary>
internal sealed class DtlsSettings
{
    /// <summary>The whole handshake must finish within this time (including retransmissions, RFC 6347 §4.2.4).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest datagram the SFU sends, in bytes (UDP payload). Handshake messages are fragmented to fit (RFC 6347 §4.2.3).</summary>
    public int Mtu { get; init; } = 1200;

    /// <summary>Largest datagram accepted from the peer; longer ones are dropped.</summary>
    public int MaxDatagramBytes { get; init; } = 4096;

    /// <summary>Received datagrams waiting for the DTLS thread, by count; excess is dropped (the peer retransmits).</summary>
    public int MaxQueuedDatagrams { get; init; } = 32;

    /// <summary>Received datagrams waiting for the DTLS thread, by total bytes; excess is dropped.</summary>
    public int MaxQueuedBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// After the handshake the DTLS thread keeps reading while the peer keeps sending, to answer a
    /// retransmitted final flight (our Finished was lost, RFC 6347 §4.2.4) and to see close_notify.
    /// After this long without a datagram it ends; later DTLS records are counted and dropped.
    /// </summary>
    public TimeSpan PostHandshakeLinger { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>SRTP protection profiles accepted, most preferred first (RFC 5764 §4.1.1).</summary>
    public IReadOnlyList<ushort> SrtpProfiles { get; init; } = DtlsSrtpProfile.Supported;

    /// <summary>Throws <see cref="ArgumentException"/> with a sentence saying what to change.</summary>
    public void Validate()
    {
        if (HandshakeTimeout <= TimeSpan.Zero || HandshakeTimeout > TimeSpan.FromMinutes(5))
        {
            throw new ArgumentException($"DTLS HandshakeTimeout must be between 0 and 5 minutes; it is {HandshakeTimeout}.");
        }
        if (Mtu < 256 || Mtu > 65507)
        {
            throw new ArgumentException($"DTLS Mtu must be between 256 and 65507 bytes; it is {Mtu}.");
        }
        if (MaxDatagramBytes < Mtu || MaxDatagramBytes > 65507)
        {
            throw new ArgumentException($"DTLS MaxDatagramBytes must be between Mtu ({Mtu}) and 65507; it is {MaxDatagramBytes}.");
        }
        if (MaxQueuedDatagrams < 1 || MaxQueuedDatagrams > 4096)
        {
            throw new ArgumentException($"DTLS MaxQueuedDatagrams must be between 1 and 4096; it is {MaxQueuedDatagrams}.");
        }
        if (MaxQueuedBytes < MaxDatagramBytes)
        {
            throw new ArgumentException($"DTLS MaxQueuedBytes must hold at least one datagram of MaxDatagramBytes ({MaxDatagramBytes}); it is {MaxQueuedBytes}.");
        }
        if (PostHandshakeLinger < TimeSpan.Zero)
        {
            throw new ArgumentException($"DTLS PostHandshakeLinger must not be negative; it is {PostHandshakeLinger}.");
        }
        if (SrtpProfiles.Count == 0)
        {
            throw new ArgumentException("DTLS SrtpProfiles must name at least one SRTP protection profile.");
        }
        foreach (var profile in SrtpProfiles)
        {
            if (!DtlsSrtpProfile.TryGetLengths(profile, out _, out _))
            {
                throw new ArgumentException($"DTLS SrtpProfiles contains {DtlsSrtpProfile.Name(profile)}, which the SFU does not implement; use 0x0007 or 0x0001.");
            }
        }
    }
}
