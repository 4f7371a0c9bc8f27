namespace Confer.Sfu.Sdp;

/// <summary>RFC 8866 §6.7: the media direction attribute of an m= section (or session).</summary>
internal enum SdpDirection
{
    None = 0,   // not present (RFC 8866 §6.7: sendrecv is the default)
    SendRecv,   // a=sendrecv
    SendOnly,   // a=sendonly
    RecvOnly,   // a=recvonly
    Inactive,   // a=inactive
}

/// <summary>RFC 8842 §5.2 / RFC 4145 §4: a=setup.</summary>
internal enum SdpSetup
{
    None = 0,
    ActPass,    // actpass
    Active,     // active
    Passive,    // passive
    HoldConn,   // holdconn
}

internal static class SdpEnums
{
    public static SdpDirection ParseDirection(string name) => name switch
    {
        "sendrecv" => SdpDirection.SendRecv,
        "sendonly" => SdpDirection.SendOnly,
        "recvonly" => SdpDirection.RecvOnly,
        "inactive" => SdpDirection.Inactive,
        _ => SdpDirection.None,
    };

    public static string? Name(SdpDirection direction) => direction switch
    {
        SdpDirection.SendRecv => "sendrecv",
        SdpDirection.SendOnly => "sendonly",
        SdpDirection.RecvOnly => "recvonly",
        SdpDirection.Inactive => "inactive",
        _ => null,
    };

    /// <summary>The direction of an answer that only receives what the offerer sends (RFC 3264 §6.1).</summary>
    public static SdpDirection ReceiveSide(SdpDirection offered) => offered switch
    {
        SdpDirection.SendRecv or SdpDirection.SendOnly or SdpDirection.None => SdpDirection.RecvOnly,
        _ => SdpDirection.Inactive,
    };

    public static SdpSetup ParseSetup(string value) => value switch
    {
        "actpass" => SdpSetup.ActPass,
        "active" => SdpSetup.Active,
        "passive" => SdpSetup.Passive,
        "holdconn" => SdpSetup.HoldConn,
        _ => SdpSetup.None,
    };

    public static string? Name(SdpSetup setup) => setup switch
    {
        SdpSetup.ActPass => "actpass",
        SdpSetup.Active => "active",
        SdpSetup.Passive => "passive",
        SdpSetup.HoldConn => "holdconn",
        _ => null,
    };
}
