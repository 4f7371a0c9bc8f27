using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Confer.Browser.Tests.Https;

/// <summary>
/// A throwaway certificate authority and one server certificate it issued for an IP address, as PEM files in a
/// private temporary folder (deleted on dispose): the CA goes into the browser's NSS database, the server
/// certificate and key into <c>--tls-cert</c>/<c>--tls-key</c>. This is how an operator's own CA works, so the
/// browser trusts the page for real (no --ignore-certificate-errors).
/// </summary>
internal sealed class TestAuthority : IDisposable
{
    private readonly string _directory;

    private TestAuthority(string directory) => _directory = directory;

    public string AuthorityPath => Path.Combine(_directory, "ca.pem");
    public string CertificatePath => Path.Combine(_directory, "cert.pem");
    public string KeyPath => Path.Combine(_directory, "key.pem");

    public static TestAuthority Create(IPAddress serverAddress)
    {
        var authority = new TestAuthority(Directory.CreateTempSubdirectory("confer-ca-").FullName);
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Confer Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, critical: true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, critical: false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={serverAddress}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(serverAddress);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // serverAuth
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var certificate = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));

        File.WriteAllText(authority.AuthorityPath, ca.ExportCertificatePem() + "\n");
        File.WriteAllText(authority.CertificatePath, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(authority.KeyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        return authority;
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
