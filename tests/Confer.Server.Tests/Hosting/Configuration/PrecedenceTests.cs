using System.Net;
using Confer.Server.Hosting.Configuration;

namespace Confer.Server.Tests.Hosting.Configuration;

/// <summary>File &lt; environment &lt; flag, setting by setting, with the source each value came from.</summary>
public sealed class PrecedenceTests
{
    [Theory]
    [InlineData("HttpPort", "--http-port", "CONFER_HTTPPORT", "9000", "9001", "9002")]
    [InlineData("Turn:Port", "--turn-port", "CONFER_Turn__Port", "4000", "4001", "4002")]
    [InlineData("Turn:Realm", "--realm", "CONFER_TURN__REALM", "file.example", "env.example", "flag.example")]
    [InlineData("Signaling:PublicHost", "--public-host", "CONFER_Signaling__PublicHost", "f.example", "e.example", "c.example")]
    [InlineData("Turn:TotalQuota", "--total-quota", "CONFER_Turn__TotalQuota", "100", "200", "300")]
    public void FileThenEnvironmentThenFlag(string key, string flag, string variable, string inFile, string inEnv, string onCommandLine)
    {
        using var setup = new Setup();
        var path = setup.Write("confer.json", Json(key, inFile));
        string[] common = ["--config", path, "--dev"];
        var setting = SettingTable.Find(key)!;

        var fromFile = setup.Valid(common);
        Assert.Equal(inFile, setting.Show(fromFile.Options));
        Assert.Equal(SettingSource.File, fromFile.Binder.Sources[setting].Source);

        setup.Environment[variable] = inEnv;
        var fromEnv = setup.Valid(common);
        Assert.Equal(inEnv, setting.Show(fromEnv.Options));
        Assert.Equal((SettingSource.Environment, variable), fromEnv.Binder.Sources[setting]);

        var fromFlag = setup.Valid([.. common, flag, onCommandLine]);
        Assert.Equal(onCommandLine, setting.Show(fromFlag.Options));
        Assert.Equal((SettingSource.Flag, flag), fromFlag.Binder.Sources[setting]);
    }

    [Fact]
    public void Defaults_WhenNothingIsGiven()
    {
        using var setup = new Setup();
        var run = setup.Valid("--config", setup.Write("empty.json", "{}"), "--dev");
        Assert.Equal(7880, run.Options.HttpPort);
        Assert.Equal(3478, run.Options.TurnPort);
        Assert.DoesNotContain(SettingTable.Find("HttpPort")!, run.Binder.Sources.Keys);
    }

    [Fact]
    public void AList_IsTakenWholeFromTheHighestSource()
    {
        using var setup = new Setup();
        var path = setup.Write("confer.json", """{ "Signaling": { "IceServers": ["stun:a.example:3478", "stun:b.example:3478"] } }""");
        Assert.Equal(["stun:a.example:3478", "stun:b.example:3478"], setup.Valid("--config", path, "--dev").Options.Signaling.ExternalIceServers);
        setup.Environment["CONFER_Signaling__IceServers"] = "stun:c.example:3478, stun:d.example:3478";
        Assert.Equal(["stun:c.example:3478", "stun:d.example:3478"], setup.Valid("--config", path, "--dev").Options.Signaling.ExternalIceServers);
        Assert.Equal(["stun:e.example:3478"], setup.Valid("--config", path, "--dev", "--ice-server", "stun:e.example:3478").Options.Signaling.ExternalIceServers);
    }

    [Fact]
    public void Switches_AndAddresses_FromEachSource()
    {
        using var setup = new Setup();
        var path = setup.Write("confer.json", """{ "Dev": true, "Bind": "127.0.0.1", "Turn": { "TcpRelay": true } }""");
        var run = setup.Valid("--config", path);
        Assert.True(run.Options.Dev);
        Assert.True(run.Options.TcpRelay);
        Assert.Equal(IPAddress.Loopback, run.Options.Bind);
        setup.Environment["CONFER_BIND"] = "::1";
        Assert.Equal(IPAddress.IPv6Loopback, setup.Valid("--config", path).Options.Bind);
    }

    [Fact]
    public void TheFileBesideTheBinary_IsNotNeeded_AndAnExplicitOneWins()
    {
        using var setup = new Setup();
        setup.Environment["CONFER_CONFIG"] = setup.Write("a.json", """{ "HttpPort": 1111, "Dev": true }""");
        Assert.Equal(1111, setup.Valid().Options.HttpPort);
        Assert.Equal(2222, setup.Valid("--config", setup.Write("b.json", """{ "HttpPort": 2222, "Dev": true }""")).Options.HttpPort);
    }

    [Fact]
    public void TheSections_AreReadFromTheSameConfiguration()
    {
        using var setup = new Setup();
        var path = setup.Write("confer.json", """{ "Dev": true, "Signaling": { "MaxFrameBytes": 32768 }, "Transport": { "Workers": 2 } }""");
        setup.Environment["CONFER_Transport__Workers"] = "3";
        var run = setup.Valid("--config", path);
        Assert.Equal("32768", run.Options.Configuration!["Signaling:MaxFrameBytes"]);
        Assert.Equal("3", run.Options.Configuration["Transport:Workers"]);
    }

    private static string Json(string key, string value)
    {
        var parts = key.Split(':');
        var literal = int.TryParse(value, out _) ? value : $"\"{value}\"";
        return parts.Length == 1 ? $"{{ \"{key}\": {literal} }}" : $"{{ \"{parts[0]}\": {{ \"{parts[1]}\": {literal} }} }}";
    }
}
