using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Confer.Browser.Tests.Lab;

/// <summary>
/// A throwaway CA and one server certificate it issued for several IP addresses (the lab's dual-stack server is
/// reached at its IPv4 and its IPv6 address), as PEM files in a private temporary folder deleted on dispose. The CA
/// goes into each browser's NSS database; the certificate and key into <c>--tls-cert</c>/<c>--tls-key</c>.
/// </summary>
internal sealed class LabAuthority : IDisposable
{
    private readonly string _directory;

    private LabAuthority(string directory) => _directory = directory;

    public string AuthorityPath => Path.Combine(_directory, "ca.pem");
    public string CertificatePath => Path.Combine(_directory, "cert.pem");
    public string KeyPath => Path.Combine(_directory, "key.pem");

    public static LabAuthority Create(params IPAddress[] addresses)
    {
        var authority = new LabAuthority(Directory.CreateTempSubdirectory("confer-lab-ca-").FullName);
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Confer Lab CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, critical: true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, critical: false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={addresses[0]}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var address in addresses) names.AddIpAddress(address);
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
