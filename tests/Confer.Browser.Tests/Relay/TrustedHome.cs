using Confer.Turn.Tests.Infrastructure;

namespace Confer.Browser.Tests.Relay;

/// <summary>
/// A private HOME for one browser whose NSS database (<c>$HOME/.pki/nssdb</c>) trusts one test certificate.
/// Chromium's TURN client checks a <c>turns:</c> server's certificate against NSS and ignores Playwright's
/// IgnoreHTTPSErrors, so this is how a relay over TLS to a self-signed certificate can work in a test, without
/// touching the user's own database. Deleted on dispose.
/// </summary>
internal sealed class TrustedHome : IDisposable
{
    private TrustedHome(string path) => Path = path;

    public string Path { get; }

    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["HOME"] = Path };

    public static async Task<TrustedHome> CreateAsync(string certificatePem)
    {
        if (!ExternalCommand.Exists("certutil")) throw new InvalidOperationException("certutil is missing: apt-get install libnss3-tools (test.sh does it).");
        var home = new TrustedHome(Directory.CreateTempSubdirectory("confer-home-").FullName);
        try
        {
            var database = System.IO.Path.Combine(home.Path, ".pki", "nssdb");
            Directory.CreateDirectory(database);
            await ExternalCommand.RunCheckedAsync("certutil", "-d", $"sql:{database}", "-N", "--empty-password");
            await ExternalCommand.RunCheckedAsync("certutil", "-d", $"sql:{database}", "-A", "-t", "CP,,", "-n", "confer-test", "-i", certificatePem);
            return home;
        }
        catch
        {
            home.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
