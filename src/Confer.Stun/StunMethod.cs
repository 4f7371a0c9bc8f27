namespace Confer.Stun;

/// <summary>STUN/TURN methods (RFC 8489 §18.2, RFC 8656 §17, RFC 6062 §6.1).</summary>
public enum StunMethod : ushort
{
    Binding = 0x001,            // Binding
    Allocate = 0x003,           // Allocate
    Refresh = 0x004,            // Refresh
    Send = 0x006,               // Send
    Data = 0x007,               // Data
    CreatePermission = 0x008,   // CreatePermission
    ChannelBind = 0x009,        // ChannelBind
    Connect = 0x00A,            // Connect
    ConnectionBind = 0x00B,     // ConnectionBind
    ConnectionAttempt = 0x00C,  // ConnectionAttempt
}

/// <summary>The two class bits C1 C0 of the message type (RFC 8489 §5).</summary>
public enum StunClass : byte
{
    Request = 0b00,
    Indication = 0b01,
    SuccessResponse = 0b10,
    ErrorResponse = 0b11,
}
