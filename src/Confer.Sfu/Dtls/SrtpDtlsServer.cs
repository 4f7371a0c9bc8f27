using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;

namespace Confer.Sfu.Dtls;

/// <summary>
/// The BouncyCastle server peer for one DTLS-SRTP handshake (RFC 5763, RFC 5764): DTLS 1.2 only,
/// ECDHE-ECDSA with AEAD suites, extended master secret required (RFC 7627), a client certificate
/// required and checked against the fingerprint from the client's SDP (RFC 5763 §5), use_srtp with the
/// SFU's preferred common profile (RFC 5764 §4.1.1), and the SRTP keys exported when the handshake
/// completes (RFC 5764 §4.2). Not thread-safe: it lives on the DTLS thread.
/// </summary>
internal sealed class SrtpDtlsServer : DefaultTlsServer
{
    // RFC 8827 §6.5: WebRTC endpoints use ECDHE suites with AEAD; BouncyCastle drops what the crypto lacks.
    private static readonly int[] s_cipherSuites =
    [
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

    private readonly DtlsCertificate _certificate;
    private readonly DtlsFingerprint _expectedClientFingerprint;
    private readonly IReadOnlyList<ushort> _profiles;
    private readonly int _handshakeTimeoutMillis;
    private ushort _selectedProfile;

    public SrtpDtlsServer(DtlsCertificate certificate, DtlsFingerprint expectedClientFingerprint, DtlsSettings settings)
        : base(DtlsCertificate.Crypto)
    {
        _certificate = certificate;
        _expectedClientFingerprint = expectedClientFingerprint;
        _profiles = settings.SrtpProfiles;
        // A backstop only: the owner's TimeProvider deadline normally ends the handshake first.
        _handshakeTimeoutMillis = (int)Math.Min(int.MaxValue, settings.HandshakeTimeout.TotalMilliseconds + 1000);
    }

    /// <summary>Set when this server refused the client for a reason of its own (before throwing a fatal alert).</summary>
    public DtlsHandshakeError? Failure { get; private set; }

    /// <summary>The keys, once the handshake completed.</summary>
    public DtlsSrtpKeys? Keys { get; private set; }

    public bool PeerClosed { get; private set; }

    /// <summary>The fatal alert the client sent, if any.</summary>
    public short? PeerFatalAlert { get; private set; }

    /// <summary>Counts every alert received after the handshake (close_notify included).</summary>
    public int AlertsReceived { get; private set; }

    public override bool IgnoreCorruptDtlsRecords => true;

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    protected override int[] GetSupportedCipherSuites() => TlsUtilities.GetSupportedCipherSuites(Crypto, s_cipherSuites);

    public override bool RequiresExtendedMasterSecret() => true;

    // AES-128-GCM first whatever the client prefers (OpenSSL lists AES-256 first): cheaper, and what browsers pick.
    protected override bool PreferLocalCipherSuites() => true;

    public override int GetHandshakeTimeoutMillis() => _handshakeTimeoutMillis;

    protected override TlsCredentialedSigner GetECDsaSignerCredentials() => _certificate.CreateSigner(m_context);

    public override void ProcessClientExtensions(IDictionary<int, byte[]> clientExtensions)
    {
        base.ProcessClientExtensions(clientExtensions);
        var offered = clientExtensions is null ? null : TlsSrtpUtilities.GetUseSrtpExtension(clientExtensions);
        if (offered is not null)
        {
            // RFC 5764 §4.1.1: the server picks one profile the client offered; ours are in preference order.
            foreach (ushort mine in _profiles)
            {
                if (Array.IndexOf(offered.ProtectionProfiles, (int)mine) >= 0)
                {
                    _selectedProfile = mine;
                    return;
                }
            }
        }
        Failure = DtlsHandshakeError.NoCommonSrtpProfile;
        throw new TlsFatalAlert(AlertDescription.handshake_failure, "No common SRTP protection profile");
    }

    public override IDictionary<int, byte[]> GetServerExtensions()
    {
        var extensions = TlsExtensionsUtilities.EnsureExtensionsInitialised(base.GetServerExtensions());
        // RFC 5764 §4.1.1: exactly one profile; an empty srtp_mki (the SFU uses no MKI).
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData([_selectedProfile], TlsUtilities.EmptyBytes));
        return extensions;
    }

    public override CertificateRequest GetCertificateRequest()
    {
        // RFC 5763 §5: the server MUST request a client certificate; its fingerprint authenticates the client.
        short[] types = [ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign];
        return new CertificateRequest(types, ClientSignatureAlgorithms(), null);
    }

    /// <summary>ECDSA, RSA (PKCS#1 and PSS) and EdDSA with SHA-2 or intrinsic hashes: no SHA-1, SHA-224 or DSA.</summary>
    private List<SignatureAndHashAlgorithm> ClientSignatureAlgorithms()
    {
        var result = new List<SignatureAndHashAlgorithm>();
        foreach (var algorithm in TlsUtilities.GetDefaultSupportedSignatureAlgorithms(m_context))
        {
            bool weakHash = algorithm.Hash is HashAlgorithm.md5 or HashAlgorithm.sha1 or HashAlgorithm.sha224;
            if (!weakHash && algorithm.Signature != SignatureAlgorithm.dsa)
            {
                result.Add(algorithm);
            }
        }
        return result;
    }

    public override void NotifyClientCertificate(Certificate clientCertificate)
    {
        if (clientCertificate is null || clientCertificate.IsEmpty)
        {
            Failure = DtlsHandshakeError.NoClientCertificate;
            throw new TlsFatalAlert(AlertDescription.handshake_failure, "No client certificate");
        }
        // RFC 8122 §5 / RFC 5763 §5: only the end-entity certificate is compared with a=fingerprint.
        byte[] der = clientCertificate.GetCertificateAt(0).GetEncoded();
        if (!_expectedClientFingerprint.MatchesCertificate(der))
        {
            Failure = DtlsHandshakeError.FingerprintMismatch;
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "Client certificate does not match the SDP fingerprint");
        }
    }

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        int length = DtlsSrtpProfile.MaterialLength(_selectedProfile);
        byte[] material = m_context.ExportKeyingMaterial(ExporterLabel.dtls_srtp, null, length);
        try
        {
            DtlsSrtpKeys.TrySplit(_selectedProfile, material, out var keys);
            Keys = keys;
        }
        finally
        {
            Array.Clear(material);
        }
    }

    public override void NotifyAlertReceived(short alertLevel, short alertDescription)
    {
        base.NotifyAlertReceived(alertLevel, alertDescription);
        AlertsReceived++;
        if (alertDescription == AlertDescription.close_notify)
        {
            PeerClosed = true;
        }
        else if (alertLevel == AlertLevel.fatal)
        {
            PeerFatalAlert = alertDescription;
        }
    }
}
