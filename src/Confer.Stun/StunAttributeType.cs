namespace Confer.Stun;

/// <summary>
/// Attribute types. 0x0000–0x7FFF are comprehension-required, 0x8000–0xFFFF comprehension-optional
/// (RFC 8489 §14). Sources: RFC 8489 §18.3, RFC 5780 §7, RFC 8445 §16.1, RFC 8656 §18, RFC 6062 §6.2.
/// </summary>
public enum StunAttributeType : ushort
{
    MappedAddress = 0x0001,            // MAPPED-ADDRESS
    ChangeRequest = 0x0003,            // CHANGE-REQUEST (RFC 5780)
    Username = 0x0006,                 // USERNAME
    MessageIntegrity = 0x0008,         // MESSAGE-INTEGRITY
    ErrorCode = 0x0009,                // ERROR-CODE
    UnknownAttributes = 0x000A,        // UNKNOWN-ATTRIBUTES
    ChannelNumber = 0x000C,            // CHANNEL-NUMBER
    Lifetime = 0x000D,                 // LIFETIME
    XorPeerAddress = 0x0012,           // XOR-PEER-ADDRESS
    Data = 0x0013,                     // DATA
    Realm = 0x0014,                    // REALM
    Nonce = 0x0015,                    // NONCE
    XorRelayedAddress = 0x0016,        // XOR-RELAYED-ADDRESS
    RequestedAddressFamily = 0x0017,   // REQUESTED-ADDRESS-FAMILY
    EvenPort = 0x0018,                 // EVEN-PORT
    RequestedTransport = 0x0019,       // REQUESTED-TRANSPORT
    DontFragment = 0x001A,             // DONT-FRAGMENT
    MessageIntegritySha256 = 0x001C,   // MESSAGE-INTEGRITY-SHA256
    PasswordAlgorithm = 0x001D,        // PASSWORD-ALGORITHM
    UserHash = 0x001E,                 // USERHASH
    XorMappedAddress = 0x0020,         // XOR-MAPPED-ADDRESS
    ReservationToken = 0x0022,         // RESERVATION-TOKEN
    Priority = 0x0024,                 // PRIORITY (ICE)
    UseCandidate = 0x0025,             // USE-CANDIDATE (ICE)
    Padding = 0x0026,                  // PADDING (RFC 5780)
    ResponsePort = 0x0027,             // RESPONSE-PORT (RFC 5780)
    ConnectionId = 0x002A,             // CONNECTION-ID (RFC 6062)

    AdditionalAddressFamily = 0x8000,  // ADDITIONAL-ADDRESS-FAMILY
    AddressErrorCode = 0x8001,         // ADDRESS-ERROR-CODE
    PasswordAlgorithms = 0x8002,       // PASSWORD-ALGORITHMS
    AlternateDomain = 0x8003,          // ALTERNATE-DOMAIN
    Icmp = 0x8004,                     // ICMP
    Software = 0x8022,                 // SOFTWARE
    AlternateServer = 0x8023,          // ALTERNATE-SERVER
    Fingerprint = 0x8028,              // FINGERPRINT
    IceControlled = 0x8029,            // ICE-CONTROLLED (ICE)
    IceControlling = 0x802A,           // ICE-CONTROLLING (ICE)
    ResponseOrigin = 0x802B,           // RESPONSE-ORIGIN (RFC 5780)
    OtherAddress = 0x802C,             // OTHER-ADDRESS (RFC 5780)

    // ADDITIONAL-ADDRESS-FAMILY and ADDRESS-ERROR-CODE as draft-ietf-tram-turnbis numbered them before RFC 8656.
    // coturn (turnutils_uclient -Z among its tools) still sends these; same layouts as the RFC's attributes.
    AdditionalAddressFamilyDraft = 0x8032, // ADDITIONAL-ADDRESS-FAMILY (draft)
    AddressErrorCodeDraft = 0x8033,        // ADDRESS-ERROR-CODE (draft)
}

public static class StunAttributeTypeExtensions
{
    /// <summary>True for 0x0000–0x7FFF: an agent that does not understand it must reject the request (RFC 8489 §14).</summary>
    public static bool IsComprehensionRequired(this StunAttributeType type) => (ushort)type < 0x8000;

    /// <summary>True for the attribute types this codec defines (the members of <see cref="StunAttributeType"/>).</summary>
    public static bool IsKnown(this StunAttributeType type) => type switch
    {
        StunAttributeType.MappedAddress or StunAttributeType.ChangeRequest or StunAttributeType.Username
            or StunAttributeType.MessageIntegrity or StunAttributeType.ErrorCode or StunAttributeType.UnknownAttributes
            or StunAttributeType.ChannelNumber or StunAttributeType.Lifetime or StunAttributeType.XorPeerAddress
            or StunAttributeType.Data or StunAttributeType.Realm or StunAttributeType.Nonce
            or StunAttributeType.XorRelayedAddress or StunAttributeType.RequestedAddressFamily or StunAttributeType.EvenPort
            or StunAttributeType.RequestedTransport or StunAttributeType.DontFragment or StunAttributeType.MessageIntegritySha256
            or StunAttributeType.PasswordAlgorithm or StunAttributeType.UserHash or StunAttributeType.XorMappedAddress
            or StunAttributeType.ReservationToken or StunAttributeType.Priority or StunAttributeType.UseCandidate
            or StunAttributeType.Padding or StunAttributeType.ResponsePort or StunAttributeType.ConnectionId
            or StunAttributeType.AdditionalAddressFamily or StunAttributeType.AddressErrorCode or StunAttributeType.PasswordAlgorithms
            or StunAttributeType.AlternateDomain or StunAttributeType.Icmp or StunAttributeType.Software
            or StunAttributeType.AlternateServer or StunAttributeType.Fingerprint or StunAttributeType.IceControlled
            or StunAttributeType.IceControlling or StunAttributeType.ResponseOrigin or StunAttributeType.OtherAddress
            or StunAttributeType.AdditionalAddressFamilyDraft or StunAttributeType.AddressErrorCodeDraft => true,
        _ => false,
    };
}
