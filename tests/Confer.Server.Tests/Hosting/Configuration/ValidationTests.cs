using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Confer.Server.Hosting.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Server.Tests.Hosting.Configuration;

/// <summary>Each sentence that stops a start: it names the setting and says what to change.</summary>
public sealed class ValidationTests
{
    [Fact]
    public void UnknownKeyInTheFile_NamesItAndTheClosestValidOne()
    {
        using var setup = new Setup();
        var path = setup.Write("confer.json", """{ "Dev": true, "Turn": { "Prot": 3478 } }""");
        Assert.Equal($"{path} has an unknown setting 'Turn:Prot'; did you mean 'Turn:Port'? (every setting is in docs/configuration.md)", setup.Invalid("--config", path));
    }

    [Theory]
    [InlineData("""{ "HtpPort": 80 }""", "'HtpPort'; did you mean 'HttpPort'")]
    [InlineData("""{ "Signaling": { "MaxFrameByte": 1 } }""", "'Signaling:MaxFrameByte'; did you mean 'Signaling:MaxFrameBytes'")]
    [InlineData("""{ "Transport": { "Worker": 1 } }""", "'Transport:Worker'; did you mean 'Transport:Workers'")]
    [InlineData("""{ "Metrics": { "Tokn": "x" } }""", "'Metrics:Tokn'; did you mean 'Metrics:Token'")]
    [InlineData("""{ "Signaling": { "Key": "a: b" } }""", "'Signaling:Key'; did you mean 'Signaling:Keys'")]
    public void UnknownKeys_InEverySection(string json, string expected)
    {
        using var setup = new Setup();
        Assert.Contains(expected, setup.Invalid("--config", setup.Write("confer.json", json), "--dev"));
    }

    [Fact]
    public void KnownKeys_OfEverySection_AndLogging_AreAccepted()
    {
        using var setup = new Setup();
        var path = setup.Write("confer.json", """
            { "Logging": { "LogLevel": { "Default": "Warning" } }, "Transport": { "Workers": 2 }, "Signaling": { "MaxFrameBytes": 32768, "ExternalIceServers": [ "stun:x.example" ] },
              "Turn": { "Users": [ "a:b" ], "RelayIps": [ "127.0.0.1" ] }, "PublicIp": { "Address": "203.0.113.9" } }
            """);
        setup.Valid("--config", path, "--dev");
    }

    [Fact]
    public void UnknownConferVariable_NamesItAndTheClosestValidOne()
    {
        using var setup = new Setup();
        setup.Environment["CONFER_TURN__PROT"] = "3478";
        Assert.Equal("the environment variable CONFER_TURN__PROT is not a Confer setting; did you mean CONFER_Turn__Port? (every setting is in docs/configuration.md)",
            setup.Invalid("--dev"));
    }

    [Fact]
    public void ANearMissWithSingleUnderscores_IsCaught_OtherProgramsVariablesAreNot()
    {
        using var setup = new Setup();
        setup.Environment["CONFER_TEST_LOG"] = "1";
        setup.Environment["CONFER_SCREENSHOT_DIR"] = "/tmp";
        setup.Valid("--dev");
        setup.Environment["CONFER_TURN_PORT"] = "3478";
        Assert.Equal("the environment variable CONFER_TURN_PORT is not a Confer setting; did you mean CONFER_Turn__Port? (every setting is in docs/configuration.md)",
            setup.Invalid("--dev"));
    }

    [Fact]
    public void EmptySections_InTheFile_AreNoSettings()
    {
        using var setup = new Setup();
        setup.Valid("--config", setup.Write("c.json", """{ "Turn": {}, "Signaling": { "IceServers": [] } }"""), "--dev");
    }

    [Fact]
    public void OtherConferVariables_AndTheOldNames_AreNotUnknown()
    {
        using var setup = new Setup();
        setup.Environment["CONFER_URL"] = "http://x";
        setup.Environment["CONFER_RELAY_THREADS"] = "2";
        setup.Environment["CONFER_KEYS"] = $"k: {Setup.LongSecret}";
        Assert.Equal(["k"], setup.Valid().Options.Signaling.Keys.Keys);
    }

    [Fact]
    public void ConfigFileMissing()
    {
        using var setup = new Setup();
        Assert.Equal("--config /nowhere/confer.json: no such file; give the path of a JSON configuration file (see docs/configuration.md).",
            setup.Invalid("--config", "/nowhere/confer.json"));
    }

    [Fact]
    public void ConfigFileNotJson()
    {
        using var setup = new Setup();
        var path = setup.Write("confer.json", "{ \"HttpPort\": ");
        var problem = setup.Invalid("--config", path);
        Assert.StartsWith($"{path} is not a valid JSON configuration file (", problem);
        Assert.EndsWith("); fix it or give another with --config.", problem);
    }

    [Fact]
    public void BadValue_NamesWhereItCameFrom()
    {
        using var setup = new Setup();
        var path = setup.Write("confer.json", """{ "HttpPort": 70000 }""");
        Assert.Equal($"HttpPort in {path} '70000' is not a port number (0-65535).", setup.Invalid("--config", path, "--dev"));
        setup.Environment["CONFER_Turn__UserQuota"] = "many";
        Assert.Equal("CONFER_Turn__UserQuota 'many' is not a whole number.", setup.Invalid("--dev"));
        setup.Environment.Clear();
        Assert.Equal("--bind 'here' is not an IP address.", setup.Invalid("--dev", "--bind", "here"));
        Assert.Equal("--relay-ports '1000' must look like 49152-65535.", setup.Invalid("--dev", "--relay-ports", "1000"));
        Assert.Equal("--public-ip 'x' is not an IP address.", setup.Invalid("--dev", "--public-ip", "x"));
        Assert.Equal("--public-ip '0.0.0.0' is not an address other machines can reach; give this server's public address.", setup.Invalid("--dev", "--public-ip", "0.0.0.0"));
        Assert.Equal("--public-ip-stun 'stun.example:x' is not host:port (like stun.example.org:3478).", setup.Invalid("--dev", "--public-ip-stun", "stun.example:x"));
        setup.Environment["CONFER_DEV"] = "maybe";
        Assert.Equal("CONFER_DEV 'maybe' is not true or false.", setup.Invalid());
    }

    [Fact]
    public void ARangeCheck_NamesTheFlagAndTheKey()
    {
        using var setup = new Setup();
        Assert.Equal("--user-quota 0 must be between 1 and 1000000 allocations (setting Turn:UserQuota).", setup.Invalid("--dev", "--user-quota", "0"));
    }

    [Fact]
    public void NoApiKey_OutsideDev_Stops_UnlessTurnOnly()
    {
        using var setup = new Setup();
        Assert.Equal("no API key: give one as \"key: secret\" with --keys-file, CONFER_KEYS or Signaling:Keys (apps mint join tokens with it), " +
            "or --turn-only (TurnOnly) for a STUN/TURN-only server.", setup.Invalid());
        setup.Valid("--turn-only");
        setup.Valid("--dev");
        setup.Valid("--keys-file", setup.Write("keys", $"k: {Setup.LongSecret}\n"));
    }

    [Fact]
    public void ShortSecret_FromAFile_Stops()
    {
        using var setup = new Setup();
        var problem = setup.Invalid("--keys-file", setup.Write("keys", "k: tooshortsecret"));
        Assert.Contains("the secret of API key 'k'", problem);
        Assert.Contains("openssl rand -base64 32", problem);
        Assert.DoesNotContain("tooshortsecret", problem);
    }

    [Fact]
    public void RelayRange_SmallerThanTheTotalQuota_Stops()
    {
        using var setup = new Setup();
        Assert.Equal("--relay-ports 50000-50099 (Turn:RelayPorts) holds 100 ports, fewer than the 10000 allocations --total-quota (Turn:TotalQuota) allows, " +
            "and each allocation needs its own port; widen the range or set --total-quota 100.", setup.Invalid("--dev", "--relay-ports", "50000-50099"));
        setup.Valid("--dev", "--relay-ports", "50000-50099", "--total-quota", "100");
    }

    [Fact]
    public void TwoListeners_OnOneTcpPort_Stop()
    {
        using var setup = new Setup();
        Assert.Equal("--http-port (HttpPort) and --turn-port (Turn:Port) are both TCP port 4000; give one of them another port.",
            setup.Invalid("--dev", "--http-port", "4000", "--turn-port", "4000"));
    }

    [Fact]
    public void PortInUse_NamesThePortAndTheSetting_ExitCode3()
    {
        using var setup = new Setup();
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        int port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        var run = setup.Run(TimeProvider.System, checkPorts: true, "--dev", "--http-port", port.ToString(), "--turn-port", "0", "--turn-tls-port", "0");
        Assert.Equal(ServeSetup.ExitPortInUse, run.ExitCode);
        Assert.Equal($"--http-port (HttpPort) {port}: TCP port {port} on 127.0.0.1 is already in use by another program; stop that program or give another port.", run.Problem);

        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int udpPort = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
        run = setup.Run(TimeProvider.System, checkPorts: true, "--dev", "--http-port", "0", "--turn-port", udpPort.ToString(), "--turn-tls-port", "0");
        Assert.Equal($"--turn-port (Turn:Port) {udpPort}: UDP port {udpPort} on 127.0.0.1 is already in use by another program; stop that program or give another port.", run.Problem);
    }

    [Fact]
    public void Certificate_Missing_Expired_NotYetValid_NotAKeyPair()
    {
        using var setup = new Setup();
        var (cert, key) = WritePem(setup, "c", DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(30));
        Assert.Equal("--tls-cert /nowhere.pem: no such file (setting Tls:Cert).", setup.Invalid("--dev", "--tls-cert", "/nowhere.pem", "--tls-key", key));
        Assert.Equal("--tls-cert and --tls-key go together: give both PEM files (setting Tls:Cert).", setup.Invalid("--dev", "--tls-cert", cert));
        setup.Valid("--dev", "--tls-cert", cert, "--tls-key", key);

        var later = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(31));
        var expired = setup.Run(later, checkPorts: false, "--dev", "--tls-cert", cert, "--tls-key", key);
        Assert.StartsWith($"--tls-cert {cert} (Tls:Cert) expired on ", expired.Problem);
        Assert.EndsWith(" UTC; renew it and give the new PEM file.", expired.Problem);

        var earlier = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-31));
        var notYet = setup.Run(earlier, checkPorts: false, "--dev", "--tls-cert", cert, "--tls-key", key);
        Assert.StartsWith($"--tls-cert {cert} (Tls:Cert) is not valid before ", notYet.Problem);
        Assert.EndsWith(" UTC; check this machine's clock or the certificate.", notYet.Problem);

        var (_, otherKey) = WritePem(setup, "other", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var mismatch = setup.Invalid("--dev", "--tls-cert", cert, "--tls-key", otherKey);
        Assert.StartsWith($"--tls-cert {cert} (Tls:Cert) with --tls-key {otherKey} (Tls:Key) is not a PEM certificate and its private key (", mismatch);
        Assert.EndsWith("); give the certificate chain and the key it was issued for.", mismatch);
    }

    [Fact]
    public void ASectionValue_IsCheckedBeforeTheStart()
    {
        using var setup = new Setup();
        Assert.Contains("Signaling:MaxFrameBytes", setup.Invalid("--config", setup.Write("c.json", """{ "Signaling": { "MaxFrameBytes": 10 } }"""), "--dev"));
        Assert.Contains("Transport:Workers is 100", setup.Invalid("--config", setup.Write("t.json", """{ "Transport": { "Workers": 100 } }"""), "--dev"));
        Assert.Equal("Metrics:TokenFile /nowhere: no such file.", setup.Invalid("--config", setup.Write("m.json", """{ "Metrics": { "TokenFile": "/nowhere" } }"""), "--dev"));
        Assert.Matches(@"^Failed to convert configuration value 'big' at 'Signaling:MaxFrameBytes' .*: give a value of that kind \(see docs/configuration.md\)\.$",
            setup.Invalid("--config", setup.Write("x.json", """{ "Signaling": { "MaxFrameBytes": "big" } }"""), "--dev"));
    }

    internal static (string Cert, string Key) WritePem(Setup setup, string name, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=confer-test", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(notBefore, notAfter);
        return (setup.Write(name + ".crt", certificate.ExportCertificatePem()), setup.Write(name + ".key", key.ExportPkcs8PrivateKeyPem()));
    }
}
