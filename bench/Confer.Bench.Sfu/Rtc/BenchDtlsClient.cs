using Confer.Sfu.Dtls;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace Confer.Bench.Sfu.Rtc;

/// <summary>
/// The load client's side of DTLS-SRTP (RFC 5764): always the DTLS client, since its SDP says a=setup:active to both
/// servers. Offers the two SRTP profiles browsers offer, accepts ECDSA and RSA server certificates (Janus may use
/// either), checks the server's certificate against the SDP fingerprint, and keeps the exported keying material.
/// </summary>
internal sealed class BenchDtlsClient(DtlsCertificate certificate, DtlsFingerprint serverFingerprint) : DefaultTlsClient(DtlsCertificate.Crypto)
{
    private readonly DtlsCertificate _certificate = certificate;
    private readonly DtlsFingerprint _serverFingerprint = serverFingerprint;
    private static readonly int[] Suites =
    [
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    ];

    private int _profile = -1;

    /// <summary>The profile and keying material once the handshake is done.</summary>
    public (ushort Profile, byte[] Material)? Exported { get; private set; }

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    protected override int[] GetSupportedCipherSuites() => TlsUtilities.GetSupportedCipherSuites(Crypto, Suites);

    public override int GetHandshakeTimeoutMillis() => 15_000;

    public override IDictionary<int, byte[]> GetClientExtensions()
    {
        var all = TlsExtensionsUtilities.EnsureExtensionsInitialised(base.GetClientExtensions());
        int[] offered = [DtlsSrtpProfile.AeadAes128Gcm, DtlsSrtpProfile.Aes128CmHmacSha1_80];
        TlsSrtpUtilities.AddUseSrtpExtension(all, new UseSrtpData(offered, TlsUtilities.EmptyBytes));
        return all;
    }

    public override void ProcessServerExtensions(IDictionary<int, byte[]> serverExtensions)
    {
        base.ProcessServerExtensions(serverExtensions);
        var chosen = serverExtensions is null ? null : TlsSrtpUtilities.GetUseSrtpExtension(serverExtensions);
        _profile = chosen?.ProtectionProfiles is [var only] ? only : -1;
    }

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        if (_profile <= 0) return;
        var material = m_context.ExportKeyingMaterial(ExporterLabel.dtls_srtp, null, DtlsSrtpProfile.MaterialLength((ushort)_profile));
        Exported = ((ushort)_profile, material);
    }

    public override TlsAuthentication GetAuthentication() => new FingerprintCheck(this);

    private sealed class FingerprintCheck(BenchDtlsClient owner) : TlsAuthentication
    {
        public void NotifyServerCertificate(TlsServerCertificate serverCertificate)
        {
            var leaf = serverCertificate.Certificate.GetCertificateAt(0).GetEncoded();
            if (!owner._serverFingerprint.MatchesCertificate(leaf)) throw new TlsFatalAlert(AlertDescription.bad_certificate);
        }

        // WebRTC peers always send their certificate: the other side checks it against our a=fingerprint.
        public TlsCredentials GetClientCredentials(CertificateRequest certificateRequest) =>
            new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(owner.m_context), (BcTlsCrypto)owner.Crypto,
                owner._certificate.PrivateKey, owner._certificate.BouncyCastleCertificate,
                SignatureAndHashAlgorithm.GetInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
    }
}
