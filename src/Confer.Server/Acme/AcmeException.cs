using System.Text.Json;

namespace Confer.Server.Acme;

/// <summary>
/// An ACME exchange that did not give a certificate, with one sentence an operator can act on as its message. Built
/// from the server's RFC 7807 problem document when there is one (RFC 8555 §6.7), so the CA's own words reach the log.
/// </summary>
internal sealed class AcmeException : Exception
{
    public AcmeException(string message, string? problemType = null) : base(message) => ProblemType = problemType;

    /// <summary>The problem's "type" (like urn:ietf:params:acme:error:rejectedIdentifier), or null.</summary>
    public string? ProblemType { get; }

    public const string ErrorPrefix = "urn:ietf:params:acme:error:";

    /// <summary>True for the RFC 8555 §6.5 badNonce error, which the client retries with a fresh nonce.</summary>
    public bool IsBadNonce => ProblemType == ErrorPrefix + "badNonce";

    /// <summary>
    /// One sentence from a problem document: "{what} failed: {detail} (rejectedIdentifier, HTTP 400)", with the
    /// subproblems' identifiers and details appended (RFC 8555 §6.7.1). Text that is not a problem document is quoted,
    /// shortened.
    /// </summary>
    public static AcmeException FromProblem(string what, int status, string body)
    {
        string? type = null, detail = null;
        var sub = new List<string>();
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                type = Str(root, "type");
                detail = Str(root, "detail");
                if (root.TryGetProperty("subproblems", out var subs) && subs.ValueKind == JsonValueKind.Array)
                    foreach (var s in subs.EnumerateArray())
                    {
                        string? id = s.TryGetProperty("identifier", out var ident) ? Str(ident, "value") : null;
                        sub.Add($"{id ?? "?"}: {Str(s, "detail") ?? ShortType(Str(s, "type"))}");
                    }
            }
        }
        catch (JsonException) { }
        if (type is null && detail is null)
            return new AcmeException($"{what} failed: the ACME server answered HTTP {status} \"{Shorten(body)}\".");
        string text = $"{what} failed: {Sentence(detail) ?? "no detail given"} ({ShortType(type)}, HTTP {status})";
        if (sub.Count > 0) text += "; " + string.Join("; ", sub);
        return new AcmeException(text + ".", type);
    }

    /// <summary>The "error" object of a failed challenge or order (RFC 8555 §7.1.4, §7.1.6) as a sentence.</summary>
    public static AcmeException FromError(string what, JsonElement error) =>
        FromProblem(what, error.TryGetProperty("status", out var s) && s.TryGetInt32(out int code) ? code : 0, error.GetRawText());

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string ShortType(string? type) =>
        type is null ? "no type" : type.StartsWith(ErrorPrefix, StringComparison.Ordinal) ? type[ErrorPrefix.Length..] : type;

    private static string? Sentence(string? detail) => detail?.Trim().TrimEnd('.');

    private static string Shorten(string body)
    {
        var flat = body.ReplaceLineEndings(" ").Trim();
        return flat.Length <= 200 ? flat : flat[..200] + "…";
    }
}
