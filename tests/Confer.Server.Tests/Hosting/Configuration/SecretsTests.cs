using Confer.Server.Cli;
using Confer.Server.Hosting.Configuration;

namespace Confer.Server.Tests.Hosting.Configuration;

/// <summary>Secrets from files and the environment; a secret on the command line works but is warned about (<c>ps</c> shows it).</summary>
public sealed class SecretsTests
{
    [Fact]
    public void KeysFile_TurnSecretFile_TurnUsersFile_AreRead()
    {
        using var setup = new Setup();
        var run = setup.Valid(
            "--keys-file", setup.Write("keys", $"a: {Setup.LongSecret}\nb: {Setup.LongSecret}2\n"),
            "--turn-secret-file", setup.Write("turn", $"  {Setup.LongSecret}\n"),
            "--turn-user-file", setup.Write("users", "alice:pw1\nbob:pw2\n"));
        Assert.Equal(["a", "b"], run.Options.Signaling.Keys.Keys.Order());
        Assert.True(run.Options.Signaling.Keys.TryGetSecret("b", out var b) && b == Setup.LongSecret + "2");
        Assert.Equal(Setup.LongSecret, run.Options.TurnSecret);
        Assert.Equal(["alice:pw1", "bob:pw2"], run.Options.TurnUsers);
        Assert.Empty(run.Warnings);
    }

    [Fact]
    public void FileSettings_InTheConfigurationFile_AndTheEnvironment()
    {
        using var setup = new Setup();
        var keys = setup.Write("keys", $"k: {Setup.LongSecret}");
        var turn = setup.Write("turn", Setup.LongSecret + "T");
        var path = setup.Write("confer.json", $$"""{ "Signaling": { "KeysFile": "{{keys}}" } }""");
        setup.Environment["CONFER_TURN_SECRET_FILE"] = turn; // the old-style name
        var run = setup.Valid("--config", path);
        Assert.Equal(["k"], run.Options.Signaling.Keys.Keys);
        Assert.Equal(Setup.LongSecret + "T", run.Options.TurnSecret);
        Assert.Equal(SettingSource.File, run.Binder.Sources[SettingTable.Find("Signaling:Keys")!].Source);
        Assert.Equal((SettingSource.Environment, "CONFER_TURN_SECRET_FILE"), run.Binder.Sources[SettingTable.Find("Turn:Secret")!]);
    }

    [Fact]
    public async Task KeysFromAHigherPlace_ReplaceTheFilesKeys_InTheRunningHost()
    {
        using var setup = new Setup();
        var path = setup.Write("confer.json", $$"""{ "Signaling": { "Keys": "old: {{Setup.LongSecret}}" }, "Bind": "127.0.0.1", "HttpPort": 0, "Turn": { "Port": 0 } }""");
        var run = setup.Valid("--config", path, "--keys-file", setup.Write("keys", $"new: {Setup.LongSecret}"));
        Assert.Equal(["new"], run.Options.Signaling.Keys.Keys);
        await using var app = Confer.Server.Hosting.ConferHost.Build(run.Options);
        var signaling = (Confer.Signaling.SignalingOptions)app.Services.GetService(typeof(Confer.Signaling.SignalingOptions))!;
        Assert.Equal(["new"], signaling.Keys.Keys); // the file's "old" key is not valid on this server
    }

    [Fact]
    public void SecretsFromTheEnvironment()
    {
        using var setup = new Setup();
        setup.Environment["CONFER_KEYS"] = $"k: {Setup.LongSecret}";
        setup.Environment["CONFER_TURN_SECRET"] = Setup.LongSecret;
        var run = setup.Valid();
        Assert.Equal(Setup.LongSecret, run.Options.TurnSecret);
        Assert.Empty(run.Warnings);
    }

    [Fact]
    public void AHigherSource_WinsOverAFileOfALowerOne()
    {
        using var setup = new Setup();
        var path = setup.Write("confer.json", $$"""{ "Turn": { "SecretFile": "{{setup.Write("turn", Setup.LongSecret + "F")}}" }, "TurnOnly": true }""");
        setup.Environment["CONFER_TURN_SECRET"] = Setup.LongSecret + "E";
        Assert.Equal(Setup.LongSecret + "E", setup.Valid("--config", path).Options.TurnSecret);
    }

    [Fact]
    public void SecretFile_Missing_Empty_OrBothInOneSource_IsASentence()
    {
        using var setup = new Setup();
        Assert.Equal("--keys-file /nowhere/keys: no such file; give the file that holds Signaling:Keys.", setup.Invalid("--keys-file", "/nowhere/keys"));
        var empty = setup.Write("empty", "\n");
        Assert.Equal($"--turn-secret-file {empty} is empty: put the value of Turn:Secret in it.", setup.Invalid("--turn-only", "--turn-secret-file", empty));
        Assert.Equal("--turn-secret and --turn-secret-file are both given; keep one of them.",
            setup.Invalid("--turn-only", "--turn-secret", Setup.LongSecret, "--turn-secret-file", setup.Write("t", Setup.LongSecret)));
    }

    [Fact]
    public void ABadSecret_IsNeverEchoed()
    {
        using var setup = new Setup();
        var problem = setup.Invalid("--keys", "no-colon-secret-value");
        Assert.Equal("--keys has an entry that is not \"key: secret\".", problem);
    }

    [Fact]
    public void ASecretFlag_Works_WithOneWarningEach()
    {
        using var setup = new Setup();
        var run = setup.Valid("--keys", $"k: {Setup.LongSecret}", "--turn-secret", Setup.LongSecret);
        Assert.Equal(Setup.LongSecret, run.Options.TurnSecret);
        Assert.Equal(
        [
            "confer: WARNING: --keys is on the command line, where `ps` shows it to every user of this machine; give --keys-file or the environment variable CONFER_KEYS instead.",
            "confer: WARNING: --turn-secret is on the command line, where `ps` shows it to every user of this machine; give --turn-secret-file or the environment variable CONFER_TURN_SECRET instead.",
        ], run.Warnings);
    }

    [Fact]
    public void ConfigCheck_MasksEverySecret()
    {
        using var setup = new Setup();
        var path = setup.Write("confer.json", """{ "Metrics": { "Token": "metrics-token-value-1234567890" }, "Turn": { "Users": [ "alice:alicepassword" ] } }""");
        setup.Environment["CONFER_KEYS"] = $"apikey: {Setup.LongSecret}";
        var run = setup.Valid("--config", path, "--turn-secret-file", setup.Write("t", "turn-secret-value-0123456789abcdef"));
        var text = string.Join('\n', ConfigCommand.Describe(run));
        foreach (var secret in new[] { Setup.LongSecret, "metrics-token-value", "alicepassword", "turn-secret-value" }) Assert.DoesNotContain(secret, text);
        Assert.Contains("apikey: ****", text);
        Assert.Contains("alice:****", text);
        Assert.Matches(@"Metrics:Token\s+\*\*\*\*\s+file", text);
        Assert.Matches(@"Turn:Secret\s+\*\*\*\*\s+flag --turn-secret-file", text);
        Assert.Matches(@"Signaling:Keys\s+apikey: \*\*\*\*\s+env CONFER_KEYS", text);
    }
}
