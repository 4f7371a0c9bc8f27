using Confer.Sfu.Dtls;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace Confer.Sfu.Tests.Dtls;

/// <summary>
/// A WebRTC-like DTLS 1.2 client (a=setup:active) on BouncyCastle's DtlsClientProtocol: offers use_srtp,
/// presents its certificate, checks the server's fingerprint and exports the SRTP keying material.
/// </summary>
internal sealed class TestDtlsClient : DefaultTlsClient
{
    private readonly DtlsCertificate _certificate;
    private readonly DtlsFingerprint? _expectedServerFingerprint;
    private readonly int[] _profiles;
    private readonly bool _sendCertificate;

    public TestDtlsClient(DtlsCertificate certificate, DtlsFingerprint? expectedServerFingerprint, int[] profiles, bool sendCertificate = true)
        : base(DtlsCertificate.Crypto)
    {
        _certificate = certificate;
        _expectedServerFingerprint = expectedServerFingerprint;
        _profiles = profiles;
        _sendCertificate = sendCertificate;
    }

    public int SelectedProfile { get; private set; } = -1;

    public byte[]? Material { get; private set; }

    public bool ExtendedMasterSecret { get; private set; }

    public int CipherSuite { get; private set; }

    internal TlsClientContext Context => m_context;

    internal DtlsCertificate Certificate => _certificate;

    internal bool SendCertificate => _sendCertificate;

    internal DtlsFingerprint? ExpectedServerFingerprint => _expectedServerFingerprint;

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    protected override int[] GetSupportedCipherSuites() => TlsUtilities.GetSupportedCipherSuites(Crypto,
    [
        Org.BouncyCastle.Tls.CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        Org.BouncyCastle.Tls.CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ]);

    public override int GetHandshakeTimeoutMillis() => 10_000;

    public override IDictionary<int, byte[]> GetClientExtensions()
    {
        var extensions = TlsExtensionsUtilities.EnsureExtensionsInitialised(base.GetClientExtensions());
        if (_profiles.Length > 0)
        {
            TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData(_profiles, TlsUtilities.EmptyBytes));
        }
        return extensions;
    }

    public override void ProcessServerExtensions(IDictionary<int, byte[]> serverExtensions)
    {
        base.ProcessServerExtensions(serverExtensions);
        var data = serverExtensions is null ? null : TlsSrtpUtilities.GetUseSrtpExtension(serverExtensions);
        SelectedProfile = data is { ProtectionProfiles.Length: 1 } ? data.ProtectionProfiles[0] : -1;
    }

    public override TlsAuthentication GetAuthentication() => new Authentication(this);

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        ExtendedMasterSecret = m_context.SecurityParameters.IsExtendedMasterSecret;
        CipherSuite = m_context.SecurityParameters.CipherSuite;
        if (SelectedProfile > 0)
        {
            Material = m_context.ExportKeyingMaterial(ExporterLabel.dtls_srtp, null, DtlsSrtpProfile.MaterialLength((ushort)SelectedProfile));
        }
    }

    private sealed class Authentication(TestDtlsClient client) : TlsAuthentication
    {
        public void NotifyServerCertificate(TlsServerCertificate serverCertificate)
        {
            byte[] der = serverCertificate.Certificate.GetCertificateAt(0).GetEncoded();
            if (client.ExpectedServerFingerprint is { } expected && !expected.MatchesCertificate(der))
            {
                throw new TlsFatalAlert(AlertDescription.bad_certificate);
            }
        }

        public TlsCredentials? GetClientCredentials(CertificateRequest certificateRequest) =>
            client.SendCertificate
                ? new BcDefaultTlsCredentialedSigner(
                    new TlsCryptoParameters(client.Context),
                    (BcTlsCrypto)client.Crypto,
                    client.Certificate.PrivateKey,
                    client.Certificate.BouncyCastleCertificate,
                    SignatureAndHashAlgorithm.GetInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa))
                : null;
    }
}
