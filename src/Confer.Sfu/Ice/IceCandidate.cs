using System.Globalization;
using System.Net;

namespace Confer.Sfu.Ice;

/// <summary>Candidate types (RFC 8445 §5.1.1, RFC 8839 §5.1 "typ").</summary>
public enum IceCandidateType : byte
{
    Host,            // host
    ServerReflexive, // srflx
    PeerReflexive,   // prflx
    Relayed,         // relay
}

/// <summary>The transport of a candidate: UDP, or TCP with its RFC 6544 §4.5 "tcptype".</summary>
public enum IceProtocol : byte { Udp, Tcp }

/// <summary>TCP candidate kinds (RFC 6544 §4.5): none for UDP.</summary>
public enum IceTcpType : byte
{
    None,
    Active,       // active
    Passive,      // passive
    SimultaneousOpen, // so
}

/// <summary>
/// One candidate line (RFC 8839 §5.1):
/// <code>
/// candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP priority SP
///                       connection-address SP port SP "typ" SP cand-type
///                       [SP "raddr" SP address SP "rport" SP port] *(SP extension-att-name SP extension-att-value)
/// </code>
/// This server writes host candidates for its media port (UDP, and TCP passive per RFC 6544 §4.5); as an ICE-lite agent
/// it never checks the client's, so those are parsed leniently (unknown extensions skipped, mDNS names kept as text).
/// </summary>
public sealed record IceCandidate(
    string Foundation, int Component, IceProtocol Protocol, uint Priority, string Address, int Port,
    IceCandidateType Type, IceTcpType TcpType = IceTcpType.None, string? RelatedAddress = null, int? RelatedPort = null)
{
    /// <summary>RFC 8445 §5.1.2.2: the type preference of host candidates.</summary>
    public const int HostTypePreference = 126;

    /// <summary>RFC 6544 §4.2 direction preference of host TCP candidates (active 6, passive 4, simultaneous-open 2).</summary>
    public const int PassiveDirectionPreference = 4;

    /// <summary>
    /// RFC 8445 §5.1.2.1: priority = 2^24 × type preference + 2^8 × local preference + (256 − component id).
    /// </summary>
    public static uint ComputePriority(int typePreference, int localPreference, int component)
    {
        if (typePreference is < 0 or > 126) throw new ArgumentOutOfRangeException(nameof(typePreference), typePreference, "0-126 (RFC 8445 §5.1.2.1).");
        if (localPreference is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(localPreference), localPreference, "0-65535 (RFC 8445 §5.1.2.1).");
        if (component is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(component), component, "1-256 (RFC 8445 §5.1.2.1).");
        return (uint)(typePreference << 24) + (uint)(localPreference << 8) + (uint)(256 - component);
    }

    /// <summary>
    /// A UDP host candidate on the media port: type preference 126, local preference 65535 less
    /// <paramref name="addressIndex"/> (RFC 8445 §5.1.2.2: each address of a multihomed host its own), component 1
    /// (RTP and RTCP are multiplexed, RFC 8843).
    /// </summary>
    public static IceCandidate HostUdp(IPAddress address, int port, int addressIndex = 0) =>
        new(FoundationFor(IceProtocol.Udp, addressIndex), 1, IceProtocol.Udp,
            ComputePriority(HostTypePreference, 65535 - addressIndex, 1), address.ToString(), port, IceCandidateType.Host);

    /// <summary>
    /// A passive TCP host candidate (RFC 6544 §4.5): local preference = 2^13 × direction preference + other preference
    /// (RFC 6544 §4.2), here 2^13 × 4 + 8191 less <paramref name="addressIndex"/>, so UDP on the same address stays ahead.
    /// The port is the listening one; RFC 6544 §4.5 says active candidates use port 9, passive ones their own.
    /// </summary>
    public static IceCandidate HostTcpPassive(IPAddress address, int port, int addressIndex = 0) =>
        new(FoundationFor(IceProtocol.Tcp, addressIndex), 1, IceProtocol.Tcp,
            ComputePriority(HostTypePreference, (PassiveDirectionPreference << 13) + 8191 - addressIndex, 1),
            address.ToString(), port, IceCandidateType.Host, IceTcpType.Passive);

    // RFC 8445 §5.1.1.3: the same foundation for the same type, base address and protocol.
    private static string FoundationFor(IceProtocol protocol, int addressIndex) =>
        (protocol == IceProtocol.Udp ? 1 + 2 * addressIndex : 2 + 2 * addressIndex).ToString(CultureInfo.InvariantCulture);

    /// <summary>The attribute value, "candidate:…", without "a=" (what an SDP line and a trickled candidate both hold).</summary>
    public override string ToString()
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"candidate:{Foundation} {Component} {(Protocol == IceProtocol.Udp ? "udp" : "tcp")} {Priority} {Address} {Port} typ {TypeName(Type)}");
        if (RelatedAddress is not null && RelatedPort is { } rport) text += string.Create(CultureInfo.InvariantCulture, $" raddr {RelatedAddress} rport {rport}");
        if (TcpType != IceTcpType.None) text += " tcptype " + TcpTypeName(TcpType);
        return text;
    }

    /// <summary>The SDP line: "a=candidate:…".</summary>
    public string ToSdpLine() => "a=" + ToString();

    /// <summary>
    /// Parses "a=candidate:…", "candidate:…" or the bare value. Lenient where it can be: the protocol's case, unknown
    /// extensions (generation, ufrag, network-id, network-cost…) and unknown candidate types' lines are skipped. False
    /// for a line that does not have the seven fields; never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> line, out IceCandidate candidate)
    {
        candidate = null!;
        line = line.Trim();
        if (line.StartsWith("a=", StringComparison.Ordinal)) line = line[2..];
        if (line.StartsWith("candidate:", StringComparison.OrdinalIgnoreCase)) line = line[10..];
        Span<Range> fields = stackalloc Range[32];
        int count = line.Split(fields, ' ', StringSplitOptions.RemoveEmptyEntries);
        if (count < 8 || count == fields.Length) return false;
        var foundation = line[fields[0]];
        if (foundation.IsEmpty || foundation.Length > 32) return false;
        if (!int.TryParse(line[fields[1]], NumberStyles.None, CultureInfo.InvariantCulture, out int component) || component is < 1 or > 256) return false;
        IceProtocol protocol;
        if (line[fields[2]].Equals("udp", StringComparison.OrdinalIgnoreCase)) protocol = IceProtocol.Udp;
        else if (line[fields[2]].Equals("tcp", StringComparison.OrdinalIgnoreCase)) protocol = IceProtocol.Tcp;
        else return false;
        if (!uint.TryParse(line[fields[3]], NumberStyles.None, CultureInfo.InvariantCulture, out uint priority)) return false;
        var address = line[fields[4]];
        if (address.IsEmpty) return false;
        if (!int.TryParse(line[fields[5]], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535) return false;
        if (!line[fields[6]].Equals("typ", StringComparison.Ordinal) || !TryParseType(line[fields[7]], out var type)) return false;

        string? relatedAddress = null;
        int? relatedPort = null;
        var tcpType = IceTcpType.None;
        for (int i = 8; i + 1 < count; i += 2)
        {
            var name = line[fields[i]];
            var value = line[fields[i + 1]];
            if (name.Equals("raddr", StringComparison.Ordinal)) relatedAddress = value.ToString();
            else if (name.Equals("rport", StringComparison.Ordinal) && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int rport) && rport <= 65535) relatedPort = rport;
            else if (name.Equals("tcptype", StringComparison.Ordinal) && protocol == IceProtocol.Tcp)
                tcpType = value switch { "active" => IceTcpType.Active, "passive" => IceTcpType.Passive, "so" => IceTcpType.SimultaneousOpen, _ => IceTcpType.None };
        }
        candidate = new IceCandidate(foundation.ToString(), component, protocol, priority, address.ToString(), port, type, tcpType, relatedAddress, relatedPort);
        return true;
    }

    private static bool TryParseType(ReadOnlySpan<char> text, out IceCandidateType type)
    {
        switch (text)
        {
            case "host": type = IceCandidateType.Host; return true;
            case "srflx": type = IceCandidateType.ServerReflexive; return true;
            case "prflx": type = IceCandidateType.PeerReflexive; return true;
            case "relay": type = IceCandidateType.Relayed; return true;
            default: type = default; return false;
        }
    }

    private static string TypeName(IceCandidateType type) => type switch
    {
        IceCandidateType.Host => "host",
        IceCandidateType.ServerReflexive => "srflx",
        IceCandidateType.PeerReflexive => "prflx",
        _ => "relay",
    };

    private static string TcpTypeName(IceTcpType type) => type switch
    {
        IceTcpType.Active => "active",
        IceTcpType.Passive => "passive",
        _ => "so",
    };
}
