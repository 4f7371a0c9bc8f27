using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Confer.Server.Acme;

/// <summary>
/// The ACME state on disk, under the data directory:
/// <c>acme/accounts/{ca-host}/account-key.pem</c> (one account per CA) and
/// <c>acme/certificates/{first-domain}/fullchain.pem</c> + <c>key.pem</c>. Keys are written 0600 in 0700 directories,
/// and every file through a temporary file and a rename, so a crash never leaves half a key.
/// </summary>
internal sealed class AcmeStore(string dataDir)
{
    private const UnixFileMode PrivateDir = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string CertificateDir(IReadOnlyList<string> domains) => Path.Combine(dataDir, "acme", "certificates", domains[0]);

    /// <summary>The P-256 account key for the CA at <paramref name="directory"/>, made and stored on first use.</summary>
    public ECDsa AccountKey(Uri directory)
    {
        string dir = Path.Combine(dataDir, "acme", "accounts", directory.IsDefaultPort ? directory.Host : $"{directory.Host}_{directory.Port}");
        string path = Path.Combine(dir, "account-key.pem");
        var key = ECDsa.Create();
        if (File.Exists(path))
        {
            key.ImportFromPem(File.ReadAllText(path));
            if (key.KeySize != 256) throw new CryptographicException($"{path} is not a P-256 key.");
            return key;
        }
        key.GenerateKey(ECCurve.NamedCurves.nistP256);
        Write(dir, "account-key.pem", key.ExportPkcs8PrivateKeyPem(), PrivateFile);
        return key;
    }

    /// <summary>The stored certificate (with its key) and intermediates, or null when none is stored.</summary>
    public (X509Certificate2 Certificate, X509Certificate2Collection Chain)? Load(IReadOnlyList<string> domains)
    {
        string dir = CertificateDir(domains);
        string chainPath = Path.Combine(dir, "fullchain.pem"), keyPath = Path.Combine(dir, "key.pem");
        if (!File.Exists(chainPath) || !File.Exists(keyPath)) return null;
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(chainPath);
        if (all.Count == 0) throw new CryptographicException("fullchain.pem holds no certificate");
        using var leaf = X509Certificate2.CreateFromPemFile(chainPath, keyPath);
        var usable = X509CertificateLoader.LoadPkcs12(leaf.Export(X509ContentType.Pkcs12), null);
        var chain = new X509Certificate2Collection();
        for (int i = 1; i < all.Count; i++) chain.Add(all[i]);
        return (usable, chain);
    }

    public void Save(IReadOnlyList<string> domains, AcmeIssued issued)
    {
        string dir = CertificateDir(domains);
        Write(dir, "key.pem", issued.KeyPem, PrivateFile);
        Write(dir, "fullchain.pem", issued.ChainPem, PrivateFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    private static void Write(string dir, string name, string text, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
        else Directory.CreateDirectory(dir, PrivateDir);
        string path = Path.Combine(dir, name), temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = mode;
        File.Delete(temp);
        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(text);
        File.Move(temp, path, overwrite: true);
    }
}
