using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Prng;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using BcCertificate = Org.BouncyCastle.Tls.Certificate;

namespace Confer.Sfu.Dtls;

/// <summary>
/// The SFU's DTLS identity: a self-signed ECDSA P-256 certificate made at startup (WebRTC needs no CA;
/// the peer trusts the SHA-256 fingerprint that signaling carries, RFC 8827 §6.5 / RFC 8122 §5).
/// The certificate is made with System.Security.Cryptography and handed to BouncyCastle as DER plus a
/// PKCS#8 private key. One instance serves every transport; it is immutable after construction.
/// </summary>
internal sealed class DtlsCertificate
{
    /// <summary>Default lifetime: browsers use about a month for their own; the SFU makes a new one each start.</summary>
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(30);

    /// <summary>Shared BouncyCastle crypto provider; its random source is the platform CSPRNG (thread-safe).</summary>
    internal static readonly BcTlsCrypto Crypto = new(new SecureRandom(new CryptoApiRandomGenerator()));

    private readonly byte[] _der;

    private DtlsCertificate(byte[] der, AsymmetricKeyParameter privateKey, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        _der = der;
        PrivateKey = privateKey;
        NotBefore = notBefore;
        NotAfter = notAfter;
        Fingerprint = DtlsFingerprint.FromCertificate(der, DtlsHashFunction.Sha256);
        BouncyCastleCertificate = new BcCertificate([new BcTlsCertificate(Crypto, der)]);
    }

    /// <summary>The DER encoding (what the fingerprint hashes).</summary>
    public ReadOnlySpan<byte> Der => _der;

    /// <summary>SHA-256 fingerprint for <c>a=fingerprint:</c> in the SDP answer.</summary>
    public DtlsFingerprint Fingerprint { get; }

    public DateTimeOffset NotBefore { get; }

    public DateTimeOffset NotAfter { get; }

    internal AsymmetricKeyParameter PrivateKey { get; }

    internal BcCertificate BouncyCastleCertificate { get; }

    /// <summary>Makes a new key pair and self-signed certificate (CN=confer, ECDSA P-256 with SHA-256).</summary>
    public static DtlsCertificate Generate(TimeProvider timeProvider, TimeSpan? validity = null)
    {
        var lifetime = validity ?? DefaultValidity;
        if (lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(validity), "The DTLS certificate validity must be positive.");
        }
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=confer", key, HashAlgorithmName.SHA256);
        // Allow for clock skew between peers: valid from a day ago (as browsers do for their own).
        var now = timeProvider.GetUtcNow();
        var notBefore = now.AddDays(-1);
        var notAfter = now.Add(lifetime);
        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F; // a positive INTEGER (RFC 5280 §4.1.2.2)
        serial[0] |= 0x01;
        using var certificate = request.Create(request.SubjectName, X509SignatureGenerator.CreateForECDsa(key), notBefore, notAfter, serial);
        var pkcs8 = key.ExportPkcs8PrivateKey();
        try
        {
            return new DtlsCertificate(certificate.RawData, PrivateKeyFactory.CreateKey(pkcs8), notBefore, notAfter);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>Wraps an existing DER certificate and PKCS#8 private key (tests, or a persisted identity).</summary>
    public static DtlsCertificate FromDer(ReadOnlySpan<byte> der, ReadOnlySpan<byte> pkcs8PrivateKey)
    {
        using var parsed = X509CertificateLoader.LoadCertificate(der);
        var key = PrivateKeyFactory.CreateKey(pkcs8PrivateKey.ToArray());
        return new DtlsCertificate(der.ToArray(), key, parsed.NotBefore.ToUniversalTime(), parsed.NotAfter.ToUniversalTime());
    }

    /// <summary>A BouncyCastle signer for the server side of one handshake (ECDSA with SHA-256).</summary>
    internal Org.BouncyCastle.Tls.TlsCredentialedSigner CreateSigner(Org.BouncyCastle.Tls.TlsContext context) =>
        new BcDefaultTlsCredentialedSigner(
            new TlsCryptoParameters(context),
            Crypto,
            PrivateKey,
            BouncyCastleCertificate,
            Org.BouncyCastle.Tls.SignatureAndHashAlgorithm.GetInstance(Org.BouncyCastle.Tls.HashAlgorithm.sha256, Org.BouncyCastle.Tls.SignatureAlgorithm.ecdsa));
}
