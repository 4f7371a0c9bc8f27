using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Confer.Server.Tls;

/// <summary>A certificate read from PEM files: the leaf with its private key, and the intermediates that follow it.</summary>
internal sealed record LoadedCertificate(X509Certificate2 Certificate, X509Certificate2Collection Chain);

/// <summary>
/// Reads <c>--tls-cert</c>/<c>--tls-key</c>: the certificate file holds the server's certificate first and then, as
/// a "full chain" file does, its intermediates; the key file holds its private key (PKCS#8, SEC1 or PKCS#1 PEM).
/// A file that cannot be used gets one sentence (<see cref="CertificateFileException"/>), never a stack trace.
/// </summary>
internal static class CertificateFiles
{
    public static LoadedCertificate Load(string certificateText, string keyText, string certificatePath, DateTimeOffset now)
    {
        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(certificateText, keyText);
        }
        catch (CryptographicException e)
        {
            throw new CertificateFileException($"{e.Message.TrimEnd('.')}: check that the files hold a PEM certificate and its matching private key.");
        }
        catch (ArgumentException e)
        {
            throw new CertificateFileException($"{e.Message.TrimEnd('.')}: check that the files hold a PEM certificate and its matching private key.");
        }
        if (now > leaf.NotAfter)
        {
            var expired = leaf.NotAfter.ToUniversalTime();
            leaf.Dispose();
            throw new CertificateFileException($"the certificate in {certificatePath} expired on {expired:yyyy-MM-dd HH:mm} UTC: renew it.");
        }
        if (OperatingSystem.IsWindows())
        {
            // SslStream on Windows needs a key it can persist; elsewhere the ephemeral one is used as is.
            using var ephemeral = leaf;
            leaf = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }
        var all = new X509Certificate2Collection();
        all.ImportFromPem(certificateText);
        var chain = new X509Certificate2Collection();
        foreach (var certificate in all)
        {
            if (certificate.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span)) certificate.Dispose();
            else chain.Add(certificate);
        }
        return new LoadedCertificate(leaf, chain);
    }

    /// <summary>Reads both files and loads them.</summary>
    public static LoadedCertificate LoadFiles(string certificatePath, string keyPath, DateTimeOffset now)
    {
        string certificateText, keyText;
        try
        {
            certificateText = File.ReadAllText(certificatePath);
            keyText = File.ReadAllText(keyPath);
        }
        catch (IOException e)
        {
            throw new CertificateFileException(e.Message.TrimEnd('.') + ".");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CertificateFileException($"{e.Message.TrimEnd('.')}: let the user running confer read it.");
        }
        return Load(certificateText, keyText, certificatePath, now);
    }

    /// <summary>The SHA-256 fingerprint of the certificate, as browsers show it (AB:CD:…).</summary>
    public static string Fingerprint(X509Certificate2 certificate) =>
        string.Join(':', SHA256.HashData(certificate.RawDataMemory.Span).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
}

/// <summary>PEM files that cannot be served; the message is one sentence for an operator.</summary>
internal sealed class CertificateFileException(string message) : Exception(message);
