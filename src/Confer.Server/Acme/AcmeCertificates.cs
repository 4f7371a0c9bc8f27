using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Confer.Server.Acme;

/// <summary>The two certificates-to-be an ACME order needs made locally: the CSR and the TLS-ALPN-01 answer.</summary>
internal static class AcmeCertificates
{
    /// <summary>id-pe-acmeIdentifier (RFC 8737 §6.1).</summary>
    public const string AcmeIdentifierOid = "1.3.6.1.5.5.7.1.31";

    /// <summary>
    /// RFC 8555 §7.4: the PKCS#10 request (DER) to finalize an order, for every domain as a subjectAltName dNSName and
    /// the first as the common name when it fits in one (64 characters), signed by the certificate's key.
    /// </summary>
    public static byte[] SigningRequest(IReadOnlyList<string> domains, ECDsa key)
    {
        var subject = new X500DistinguishedName(domains[0].Length <= 64 ? "CN=" + domains[0] : "");
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var domain in domains) names.AddDnsName(domain);
        request.CertificateExtensions.Add(names.Build());
        return request.CreateSigningRequest();
    }

    /// <summary>
    /// RFC 8737 §3: the self-signed certificate answered to a handshake offering "acme-tls/1" for
    /// <paramref name="domain"/>: that domain as its only subjectAltName, and the critical id-pe-acmeIdentifier
    /// extension whose value is the DER OCTET STRING of SHA-256(key authorization).
    /// </summary>
    public static X509Certificate2 TlsAlpnChallenge(string domain, string keyAuthorization, TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + (domain.Length <= 64 ? domain : "acme")), key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(domain);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509Extension(AcmeIdentifierOid, AcmeIdentifierValue(keyAuthorization), critical: true));
        var now = time.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddHours(-1), now.AddDays(7));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>RFC 8737 §3: Authorization ::= OCTET STRING (SIZE (32)), holding SHA-256 of the key authorization.</summary>
    public static byte[] AcmeIdentifierValue(string keyAuthorization)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString(SHA256.HashData(Encoding.UTF8.GetBytes(keyAuthorization)));
        return writer.Encode();
    }
}
