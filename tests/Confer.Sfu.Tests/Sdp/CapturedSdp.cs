using System.Runtime.CompilerServices;

namespace Confer.Sfu.Tests.Sdp;

/// <summary>
/// Real Chromium offers kept as test data (Sdp/Captured/*.sdp, copied to the output), so most tests need no
/// browser. <see cref="ChromiumSdpTests"/> captures them again when CONFER_SDP_CAPTURE=1.
/// </summary>
internal static class CapturedSdp
{
    /// <summary>Three-layer simulcast rids l/m/h (lowest first), audio, data channel.</summary>
    public const string SimulcastLmh = "chromium-offer-simulcast-lmh.sdp";

    /// <summary>Three-layer simulcast rids q/h/f (LiveKit's names), a canvas "screen share" track, data channel.</summary>
    public const string SimulcastQhfScreen = "chromium-offer-simulcast-qhf-screen.sdp";

    /// <summary>Audio and one video track without simulcast (a=ssrc lines and ssrc-group FID), no data channel.</summary>
    public const string SingleLayer = "chromium-offer-single-layer.sdp";

    public static readonly string[] All = [SimulcastLmh, SimulcastQhfScreen, SingleLayer];

    public static string Read(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Sdp", "Captured", name));

    /// <summary>Writes a capture into the source tree (only when asked to: CONFER_SDP_CAPTURE=1).</summary>
    public static void Save(string name, string sdp, [CallerFilePath] string sourceFile = "") =>
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(sourceFile)!, "Captured", name), sdp);
}
