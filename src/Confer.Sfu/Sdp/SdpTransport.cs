using System.Globalization;
using System.Net;

namespace Confer.Sfu.Sdp;

/// <summary>
/// The server's side of the one BUNDLE transport of a peer connection: ICE-lite credentials (RFC 8839 §5.4),
/// the DTLS certificate fingerprint (RFC 8122 §5) and host candidates (RFC 8839 §5.1). The server is always
/// DTLS passive (a=setup:passive, RFC 8842 §5.2), so the browser opens the DTLS handshake.
/// </summary>
internal sealed record SdpTransport(string IceUfrag, string IcePwd, SdpFingerprint Fingerprint, IReadOnlyList<string> Candidates)
{
    /// <summary>
    /// A host candidate value (after "a=candidate:"): <c>foundation component transport priority address port typ
    /// host</c> (RFC 8839 §5.1). Priority per RFC 8445 §5.1.2.1 with type preference 126 for host; TCP candidates are
    /// passive (RFC 6544 §4.5).
    /// </summary>
    public static string HostCandidate(int foundation, IPEndPoint endpoint, bool tcp = false, int localPreference = 65535)
    {
        uint priority = (126u << 24) | ((uint)localPreference << 8) | (256u - 1u);
        string address = endpoint.Address.ToString();
        string port = endpoint.Port.ToString(CultureInfo.InvariantCulture);
        string prefix = $"{foundation.ToString(CultureInfo.InvariantCulture)} 1 {(tcp ? "tcp" : "udp")} {priority.ToString(CultureInfo.InvariantCulture)} {address} {port} typ host";
        return tcp ? prefix + " tcptype passive" : prefix;
    }

    /// <summary>Writes the transport attributes into an m= section (the same in every bundled section).</summary>
    internal void ApplyTo(MediaDescription media, bool withCandidates)
    {
        media.IceUfrag = IceUfrag;
        media.IcePwd = IcePwd;
        media.Fingerprints.Clear();
        media.Fingerprints.Add(Fingerprint);
        media.Setup = SdpSetup.Passive;
        if (withCandidates)
        {
            media.Candidates.AddRange(Candidates);
            media.EndOfCandidates = true;   // ICE-lite: all candidates are known (RFC 8838 §8.2)
        }
    }
}

/// <summary>Header extension URIs the SFU understands (RFC 8285 §5 registry and the WebRTC ones).</summary>
internal static class SdpExtensionUris
{
    public const string Mid = "urn:ietf:params:rtp-hdrext:sdes:mid";                                        // RFC 8843 §15
    public const string Rid = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";                              // RFC 8852 §3.1
    public const string RepairedRid = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";             // RFC 8852 §3.2
    public const string AbsSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
    public const string TransportWideCc = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
    public const string AudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";                         // RFC 6464
}
