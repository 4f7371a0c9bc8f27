using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Confer.Server.Acme;

/// <summary>One answer of the ACME server: status, JSON body (or the PEM text), Location and Retry-After.</summary>
internal sealed record AcmeResponse(int Status, JsonElement Body, string Text, string? Location, TimeSpan? RetryAfter);

/// <summary>
/// The wire half of an ACME client (RFC 8555): the directory (§7.1.1), nonces (§7.2) with the badNonce retry (§6.5),
/// signed POSTs and POST-as-GET (§6.2, §6.3), the account (§7.3) and polling that honours Retry-After (§7.5.1,
/// §7.4) within a bound. Every request has the HttpClient's timeout; every wait reads the <see cref="TimeProvider"/>.
/// </summary>
internal sealed class AcmeClient
{
    private const int NonceRetries = 5;
    private static readonly MediaTypeHeaderValue JoseJson = new("application/jose+json");

    private readonly HttpClient _http;
    private readonly Uri _directoryUrl;
    private readonly TimeProvider _time;
    private JsonElement? _directory;
    private string? _nonce;

    public AcmeClient(HttpClient http, Uri directoryUrl, AcmeJws jws, TimeProvider time)
    {
        _http = http;
        _directoryUrl = directoryUrl;
        Jws = jws;
        _time = time;
    }

    public AcmeJws Jws { get; }

    /// <summary>How long one poll (a challenge's validation, an order's issuance) may take before giving up.</summary>
    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>RFC 8555 §7.1.1: the directory's URL for <paramref name="name"/> (newNonce, newAccount, newOrder).</summary>
    public async Task<string> ResourceAsync(string name, CancellationToken ct)
    {
        if (_directory is null)
        {
            using var response = await _http.GetAsync(_directoryUrl, ct);
            string text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode) throw AcmeException.FromProblem($"Reading the ACME directory {_directoryUrl}", (int)response.StatusCode, text);
            try
            {
                using var document = JsonDocument.Parse(text);
                _directory = document.RootElement.Clone();
            }
            catch (JsonException) { throw new AcmeException($"Reading the ACME directory {_directoryUrl} failed: the answer is not JSON; check --acme-directory."); }
        }
        if (_directory.Value.ValueKind == JsonValueKind.Object && _directory.Value.TryGetProperty(name, out var url) && url.ValueKind == JsonValueKind.String)
            return url.GetString()!;
        throw new AcmeException($"The ACME directory {_directoryUrl} has no \"{name}\" URL; check --acme-directory.");
    }

    /// <summary>
    /// RFC 8555 §7.3: finds or creates the account of this key (agreeing to the CA's terms, with the contact email if
    /// given) and signs with its URL ("kid") from then on.
    /// </summary>
    public async Task AccountAsync(string? email, CancellationToken ct)
    {
        if (Jws.KeyId is not null) return;
        var payload = new JsonObject { ["termsOfServiceAgreed"] = true };
        if (!string.IsNullOrEmpty(email)) payload["contact"] = new JsonArray("mailto:" + email);
        var response = await PostAsync("Creating the ACME account", await ResourceAsync("newAccount", ct), payload, ct, forceJwk: true);
        Jws.KeyId = response.Location ?? throw new AcmeException("Creating the ACME account failed: the server gave no account URL (Location).");
    }

    /// <summary>
    /// A signed POST (a null payload is a POST-as-GET). A badNonce error is retried with the nonce the error carried,
    /// at most five times (RFC 8555 §6.5); any other error becomes an <see cref="AcmeException"/> naming <paramref name="what"/>.
    /// </summary>
    public async Task<AcmeResponse> PostAsync(string what, string url, JsonNode? payload, CancellationToken ct, bool forceJwk = false, string? accept = null)
    {
        for (int attempt = 0; ; attempt++)
        {
            string nonce = await NonceAsync(ct);
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(Jws.Sign(url, nonce, payload, forceJwk)) };
            request.Content.Headers.ContentType = JoseJson;
            if (accept is not null) request.Headers.Accept.ParseAdd(accept);
            using var response = await _http.SendAsync(request, ct);
            KeepNonce(response);
            string text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                var problem = AcmeException.FromProblem(what, (int)response.StatusCode, text);
                if (problem.IsBadNonce && attempt < NonceRetries) continue;
                throw problem;
            }
            return new AcmeResponse((int)response.StatusCode, ParseOrEmpty(text, accept), text,
                response.Headers.Location is { } location ? new Uri(new Uri(url), location).ToString() : null, RetryAfter(response));
        }
    }

    /// <summary>
    /// RFC 8555 §7.5.1 and §7.4: POST-as-GET <paramref name="url"/> until its "status" is no longer one of
    /// <paramref name="waiting"/>, waiting as Retry-After asks (clamped to 1–30 s, else 0.5 s doubling to 5 s), and at
    /// most <see cref="PollTimeout"/> in all.
    /// </summary>
    public async Task<JsonElement> PollAsync(string what, string url, JsonElement current, string[] waiting, TimeSpan? retryAfter, CancellationToken ct)
    {
        var deadline = _time.GetUtcNow() + PollTimeout;
        var pause = TimeSpan.FromMilliseconds(500);
        while (waiting.Contains(Status(current)))
        {
            var wait = retryAfter is { } asked ? Clamp(asked, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)) : pause;
            if (_time.GetUtcNow() + wait > deadline)
                throw new AcmeException($"{what} did not finish within {PollTimeout.TotalSeconds:0} s (still \"{Status(current)}\").");
            await Task.Delay(wait, _time, ct);
            pause = Clamp(pause * 2, pause, TimeSpan.FromSeconds(5));
            var response = await PostAsync(what, url, null, ct);
            current = response.Body;
            retryAfter = response.RetryAfter;
        }
        return current;
    }

    public static string Status(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : "";

    private async Task<string> NonceAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _nonce, null) is { } kept) return kept;
        using var request = new HttpRequestMessage(HttpMethod.Head, await ResourceAsync("newNonce", ct));
        using var response = await _http.SendAsync(request, ct);
        if (response.Headers.TryGetValues("Replay-Nonce", out var values) && values.FirstOrDefault() is { Length: > 0 } nonce) return nonce;
        throw new AcmeException($"Getting a nonce from the ACME server failed: HTTP {(int)response.StatusCode} without a Replay-Nonce header.");
    }

    private void KeepNonce(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("Replay-Nonce", out var values) && values.FirstOrDefault() is { Length: > 0 } nonce) _nonce = nonce;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - _time.GetUtcNow(),
        _ => null,
    };

    private static JsonElement ParseOrEmpty(string text, string? accept)
    {
        if (accept is not null || string.IsNullOrWhiteSpace(text)) return default;
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException) { throw new AcmeException($"The ACME server answered with text that is not JSON: \"{(text.Length > 100 ? text[..100] : text)}\"."); }
    }

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;
}
