namespace Confer.Sfu.Session;

/// <summary>
/// One peer connection's secure media transport as the forwarding graph sees it (ICE path, DTLS-SRTP and the socket
/// behind it are the transport's business): plain RTP and RTCP go in, protected datagrams go out on the selected path.
/// </summary>
internal interface IRtpPacketSender
{
    /// <summary>
    /// Protects one RTP packet in place (SRTP, RFC 3711/7714) and sends it. <paramref name="buffer"/> holds the packet in
    /// its first <paramref name="length"/> bytes and has at least <see cref="ProtectionHeadroom"/> bytes after them for
    /// the tag. False when dropped: not connected yet, no selected path, or the socket refused.
    /// </summary>
    bool SendRtp(Span<byte> buffer, int length);

    /// <summary>As <see cref="SendRtp"/> for one RTCP compound packet (SRTCP adds its index and tag).</summary>
    bool SendRtcp(Span<byte> buffer, int length);

    /// <summary>Bytes a caller leaves free after a packet for SRTP/SRTCP to grow it (tag, SRTCP index).</summary>
    const int ProtectionHeadroom = 32;

    /// <summary>
    /// False while nothing can go out yet (DTLS not done, no path): a new down-track waits for it, so that its stream
    /// starts with a key frame asked for when the subscriber can receive it, not one sent into the void.
    /// </summary>
    bool CanSend => true;
}

/// <summary>What a transport hands on once a datagram is decrypted: the packet is a view valid only during the call.</summary>
internal interface IRtpPacketReceiver
{
    /// <summary>One decrypted RTP packet (RFC 3550 §5.1). Must not throw.</summary>
    void OnRtp(Span<byte> packet);

    /// <summary>One decrypted RTCP compound packet (RFC 3550 §6.1). Must not throw.</summary>
    void OnRtcp(Span<byte> packet);
}
