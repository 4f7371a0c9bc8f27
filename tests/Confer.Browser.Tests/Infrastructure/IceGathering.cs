using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.Infrastructure;

/// <summary>One ICE candidate as the browser reported it.</summary>
internal sealed record IceCandidate(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("protocol")] string? Protocol,
    [property: JsonPropertyName("address")] string? Address,
    [property: JsonPropertyName("port")] int? Port,
    [property: JsonPropertyName("relatedAddress")] string? RelatedAddress,
    [property: JsonPropertyName("candidate")] string Candidate);

/// <summary>An <c>icecandidateerror</c> event (for failure messages).</summary>
internal sealed record IceCandidateError(
    [property: JsonPropertyName("url")] string? Url,
    [property: JsonPropertyName("errorCode")] int ErrorCode,
    [property: JsonPropertyName("errorText")] string? ErrorText);

/// <summary>What one gathering run produced; <see cref="Ended"/> is "complete" or "timeout".</summary>
internal sealed record IceGatheringResult(
    [property: JsonPropertyName("ended")] string Ended,
    [property: JsonPropertyName("candidates")] IReadOnlyList<IceCandidate> Candidates,
    [property: JsonPropertyName("errors")] IReadOnlyList<IceCandidateError> Errors)
{
    public IEnumerable<IceCandidate> OfType(string type) => Candidates.Where(c => c.Type == type);

    public override string ToString() =>
        $"gathering ended by {Ended}; candidates:\n  {string.Join("\n  ", Candidates.Select(c => c.Candidate))}\n" +
        $"errors:\n  {string.Join("\n  ", Errors.Select(e => $"{e.Url} {e.ErrorCode} {e.ErrorText}"))}";
}

/// <summary>
/// Runs ICE gathering in a page: an RTCPeerConnection with the given ICE servers, one data channel (so there is
/// something to gather for), <c>setLocalDescription</c>, then every candidate until gathering completes or the
/// time runs out.
/// </summary>
internal static class IceGathering
{
    private const string Script = """
        async (argumentsJson) => {
          const { iceServers, waitMs } = JSON.parse(argumentsJson);
          const pc = new RTCPeerConnection({ iceServers });
          const candidates = [];
          const errors = [];
          pc.addEventListener('icecandidateerror', e =>
            errors.push({ url: e.url ?? null, errorCode: e.errorCode ?? 0, errorText: e.errorText ?? null }));
          const ended = new Promise(resolve => {
            pc.addEventListener('icecandidate', e => {
              if (!e.candidate) { resolve('complete'); return; }
              const c = e.candidate;
              candidates.push({ type: c.type, protocol: c.protocol, address: c.address, port: c.port,
                                relatedAddress: c.relatedAddress, candidate: c.candidate });
            });
            setTimeout(() => resolve('timeout'), waitMs);
          });
          pc.createDataChannel('probe');
          await pc.setLocalDescription(await pc.createOffer());
          const how = await ended;
          pc.close();
          return JSON.stringify({ ended: how, candidates, errors });
        }
        """;

    /// <param name="iceServers">RTCIceServer objects, e.g. <c>new { urls = "stun:198.19.0.1:3478" }</c>.</param>
    public static async Task<IceGatheringResult> GatherAsync(IPage page, IReadOnlyList<object> iceServers, TimeSpan wait)
    {
        var arguments = JsonSerializer.Serialize(new { iceServers, waitMs = (int)wait.TotalMilliseconds });
        var json = await page.EvaluateAsync<string>(Script, arguments);
        return JsonSerializer.Deserialize<IceGatheringResult>(json)
            ?? throw new InvalidOperationException("The page returned no gathering result.");
    }
}
