using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confer.Server.Tls;

namespace Confer.Server.Acme;

/// <summary>A certificate from the CA: the leaf with its private key, the intermediates, and both as PEM for the disk.</summary>
internal sealed record AcmeIssued(X509Certificate2 Certificate, X509Certificate2Collection Chain, string ChainPem, string KeyPem);

/// <summary>
/// One certificate order, RFC 8555 §7.4 from start to download: new order, each pending authorization answered by
/// one challenge (TLS-ALPN-01, RFC 8737; or HTTP-01, RFC 8555 §8.3) published through <see cref="ServerCertificates"/>
/// only while the order runs, finalize with a CSR for a fresh P-256 key, and the PEM chain.
/// </summary>
internal sealed class AcmeIssuer(AcmeClient client, ServerCertificates answers, TimeProvider time, ILogger logger)
{
    public const string TlsAlpn01 = "tls-alpn-01";
    public const string Http01 = "http-01";

    public async Task<AcmeIssued> ObtainAsync(IReadOnlyList<string> domains, string challenge, string? email, CancellationToken ct)
    {
        await client.AccountAsync(email, ct);
        var identifiers = new JsonArray();
        foreach (var domain in domains) identifiers.Add(new JsonObject { ["type"] = "dns", ["value"] = domain });
        string what = $"Ordering a certificate for {string.Join(", ", domains)}";
        var created = await client.PostAsync(what, await client.ResourceAsync("newOrder", ct), new JsonObject { ["identifiers"] = identifiers }, ct);
        string orderUrl = created.Location ?? throw new AcmeException($"{what} failed: the server gave no order URL (Location).");
        var order = created.Body;

        // §7.5: every authorization must be valid before the order is "ready". The server may reuse valid ones.
        foreach (var authorization in Urls(order, "authorizations"))
            await AuthorizeAsync(authorization, challenge, ct);

        order = await client.PollAsync(what, orderUrl, (await client.PostAsync(what, orderUrl, null, ct)).Body, ["pending"], null, ct);
        if (AcmeClient.Status(order) == "invalid") throw Failed(what, order, "the order became invalid");

        // §7.4: finalize with a CSR; the order goes "processing" then "valid" with a certificate URL.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (AcmeClient.Status(order) == "ready")
        {
            var csr = Base64Url(AcmeCertificates.SigningRequest(domains, key));
            var finalized = await client.PostAsync(what + " (finalize)", Url(order, "finalize"), new JsonObject { ["csr"] = csr }, ct);
            order = await client.PollAsync(what, orderUrl, finalized.Body, ["ready", "processing"], finalized.RetryAfter, ct);
        }
        if (AcmeClient.Status(order) != "valid") throw Failed(what, order, $"the order ended \"{AcmeClient.Status(order)}\"");

        // §7.4.2: the chain as PEM, end-entity first.
        var download = await client.PostAsync(what + " (download)", Url(order, "certificate"), null, ct, accept: "application/pem-certificate-chain");
        return Assemble(domains, download.Text, key, what);
    }

    private async Task AuthorizeAsync(string url, string preferred, CancellationToken ct)
    {
        var authz = (await client.PostAsync("Reading an authorization", url, null, ct)).Body;
        string domain = authz.TryGetProperty("identifier", out var id) && id.TryGetProperty("value", out var v) ? v.GetString() ?? "" : "";
        string status = AcmeClient.Status(authz);
        if (status == "valid") return;
        if (status != "pending") throw Failed($"Authorizing {domain}", authz, $"the authorization is \"{status}\"");

        var chosen = Challenge(authz, preferred) ?? Challenge(authz, preferred == TlsAlpn01 ? Http01 : TlsAlpn01)
            ?? throw new AcmeException($"Authorizing {domain} failed: the ACME server offers neither TLS-ALPN-01 nor HTTP-01.");
        string type = chosen.GetProperty("type").GetString()!;
        string token = chosen.TryGetProperty("token", out var t) ? t.GetString() ?? "" : "";
        string keyAuthorization = client.Jws.KeyAuthorization(token);
        string what = $"Validating {domain} by {type}";
        AcmeLog.Validating(logger, domain, type);
        if (type == TlsAlpn01) answers.AddAlpnChallenge(domain, AcmeCertificates.TlsAlpnChallenge(domain, keyAuthorization, time));
        else answers.AddHttpChallenge(token, keyAuthorization);
        try
        {
            // §7.5.1: an empty object says "ready, come and look"; then poll the authorization, not the challenge.
            var answered = await client.PostAsync(what, Url(chosen, "url"), new JsonObject(), ct);
            authz = await client.PollAsync(what, url, (await client.PostAsync(what, url, null, ct)).Body, ["pending"], answered.RetryAfter, ct);
        }
        finally
        {
            if (type == TlsAlpn01) answers.RemoveAlpnChallenge(domain);
            else answers.RemoveHttpChallenge(token);
        }
        if (AcmeClient.Status(authz) == "valid") return;
        foreach (var c in authz.TryGetProperty("challenges", out var cs) ? cs.EnumerateArray() : default)
            if (c.TryGetProperty("error", out var error)) throw AcmeException.FromError(what, error);
        throw new AcmeException($"{what} failed: the authorization ended \"{AcmeClient.Status(authz)}\".");
    }

    private static JsonElement? Challenge(JsonElement authz, string type)
    {
        if (!authz.TryGetProperty("challenges", out var challenges) || challenges.ValueKind != JsonValueKind.Array) return null;
        foreach (var c in challenges.EnumerateArray())
            if (c.TryGetProperty("type", out var t) && t.GetString() == type) return c;
        return null;
    }

    private static AcmeIssued Assemble(IReadOnlyList<string> domains, string pem, ECDsa key, string what)
    {
        var all = new X509Certificate2Collection();
        try { all.ImportFromPem(pem); }
        catch (CryptographicException) { throw new AcmeException($"{what} failed: the downloaded certificate chain is not PEM."); }
        if (all.Count == 0) throw new AcmeException($"{what} failed: the downloaded certificate chain is empty.");
        X509Certificate2 leaf;
        try { leaf = all[0].CopyWithPrivateKey(key); }
        catch (ArgumentException) { throw new AcmeException($"{what} failed: the issued certificate is not for the key Confer sent."); }
        foreach (var domain in domains)
            if (!leaf.MatchesHostname(domain)) throw new AcmeException($"{what} failed: the issued certificate does not name {domain}.");
        var chain = new X509Certificate2Collection();
        for (int i = 1; i < all.Count; i++) chain.Add(all[i]);
        // Round-trip through PKCS#12 so the key is a persisted one SslStream can use on every platform.
        var usable = X509CertificateLoader.LoadPkcs12(leaf.Export(X509ContentType.Pkcs12), null);
        return new AcmeIssued(usable, chain, pem, key.ExportPkcs8PrivateKeyPem());
    }

    private static AcmeException Failed(string what, JsonElement body, string fallback) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("error", out var error)
            ? AcmeException.FromError(what, error)
            : new AcmeException($"{what} failed: {fallback}.");

    private static string Url(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var u) && u.ValueKind == JsonValueKind.String
            ? u.GetString()!
            : throw new AcmeException($"The ACME server's answer has no \"{name}\" URL.");

    private static IEnumerable<string> Urls(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array
            ? a.EnumerateArray().Select(e => e.GetString()!).ToArray()
            : throw new AcmeException($"The ACME server's order has no \"{name}\".");

    private static string Base64Url(byte[] der) => System.Buffers.Text.Base64Url.EncodeToString(der);
}
