using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Confer.Server.Tests.Tls;

/// <summary>
/// A certificate and key as PEM files in a private temporary folder (deleted on dispose), for --tls-cert/--tls-key.
/// <see cref="Write"/> replaces them with a new self-signed P-256 certificate, as a renewal would.
/// </summary>
internal sealed class PemFiles : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("confer-tls-").FullName;

    public string CertificatePath => Path.Combine(_directory, "cert.pem");
    public string KeyPath => Path.Combine(_directory, "key.pem");

    /// <summary>Creates the files with a first certificate.</summary>
    public static PemFiles Create(string commonName = "first", TimeSpan? validFor = null)
    {
        var files = new PemFiles();
        files.Write(commonName, validFor);
        return files;
    }

    /// <summary>Writes a new certificate for 127.0.0.1 and "localhost" (key first, then certificate); returns it.</summary>
    public X509Certificate2 Write(string commonName, TimeSpan? validFor = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var certificate = MakeCertificate(key, commonName, validFor ?? TimeSpan.FromDays(2));
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        File.WriteAllText(CertificatePath, certificate.ExportCertificatePem() + "\n");
        return certificate;
    }

    /// <summary>
    /// Writes a "full chain": a leaf issued by an intermediate CA issued by a root, the file holding leaf then
    /// intermediate (the root is the client's business, as with a public CA).
    /// </summary>
    public void WriteIssued(string commonName, string intermediateName)
    {
        var now = DateTimeOffset.UtcNow;
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=Confer Test Root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var root = rootRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(3));

        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intermediateRequest = new CertificateRequest($"CN={intermediateName}", intermediateKey, HashAlgorithmName.SHA256);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        intermediateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var intermediatePublic = intermediateRequest.Create(root, now.AddMinutes(-5), now.AddDays(2), [1]);
        using var intermediate = intermediatePublic.CopyWithPrivateKey(intermediateKey);

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var leaf = request.Create(intermediate, now.AddMinutes(-5), now.AddDays(1), [2]);
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        File.WriteAllText(CertificatePath, leaf.ExportCertificatePem() + "\n" + intermediatePublic.ExportCertificatePem() + "\n");
    }

    /// <summary>A self-signed certificate with its private key, for <c>ServerCertificates.Install</c>.</summary>
    public static X509Certificate2 InMemory(string commonName, string? dnsName = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = MakeCertificate(key, commonName, TimeSpan.FromDays(2), dnsName);
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private static X509Certificate2 MakeCertificate(ECDsa key, string commonName, TimeSpan validFor, string? dnsName = null)
    {
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName(dnsName ?? "localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        var notBefore = validFor < TimeSpan.Zero ? now.AddDays(-10) : now.AddMinutes(-5);
        return request.CreateSelfSigned(notBefore, now + validFor);
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
