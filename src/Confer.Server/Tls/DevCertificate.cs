using System.Net;
using System.Net.NetworkInformation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Confer.Server.Tls;

/// <summary>
/// The self-signed certificate of --dev, made at each start: ECDSA P-256, valid 30 days, for "localhost", the
/// loopback addresses and the address Confer binds (every address of this host when it binds all of them), so the
/// URL the banner prints matches it. Browsers warn about it once; its SHA-256 fingerprint is printed to compare.
/// </summary>
internal static class DevCertificate
{
    public static X509Certificate2 Create(IPAddress bind, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=confer-dev", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        foreach (var address in Addresses(bind)) names.AddIpAddress(address);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // serverAuth
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30));
        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private static IEnumerable<IPAddress> Addresses(IPAddress bind)
    {
        var seen = new HashSet<IPAddress> { IPAddress.Loopback, IPAddress.IPv6Loopback };
        foreach (var address in seen) yield return address;
        if (!bind.Equals(IPAddress.Any) && !bind.Equals(IPAddress.IPv6Any))
        {
            if (seen.Add(bind)) yield return bind;
            yield break;
        }
        foreach (var address in LocalAddresses())
            if (seen.Add(address)) yield return address;
    }

    /// <summary>The addresses of this host's interfaces that are up, IPv4 first, without loopback and link-local ones.</summary>
    internal static IEnumerable<IPAddress> LocalAddresses()
    {
        var found = new List<IPAddress>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback) continue;
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                var a = unicast.Address;
                if (IPAddress.IsLoopback(a) || a.IsIPv6LinkLocal || a.IsIPv4MappedToIPv6) continue;
                if (a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && a.GetAddressBytes() is [169, 254, ..]) continue;
                found.Add(a);
            }
        }
        return found.OrderBy(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 0 : 1);
    }
}
