using Confer.Server.Cli;
using Confer.Signaling.Auth;
using Confer.Signaling.Tests.Support;

namespace Confer.Signaling.Tests.Server;

[Collection(nameof(ConsoleCollection))]
public sealed class CliTests
{
    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        using var o = new StringWriter();
        using var e = new StringWriter();
        Console.SetOut(o);
        Console.SetError(e);
        try { return (await ConferCli.RunAsync(args), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    [Fact]
    public async Task TokenCreate_PrintsATokenTheServerAccepts()
    {
        await using var server = await TestServer.StartAsync();
        var (code, output, _) = await RunAsync("token", "create", "--api-key", TestServer.Key, "--api-secret", TestServer.Secret,
            "--room", "r", "--identity", "cli-user", "--name", "Cli", "--ttl", "1h", "--grant", "canPublish=false");
        Assert.Equal(0, code);
        await using var client = await TestClient.JoinAsync(server, output.Trim());
        var me = client.Join!.Value.GetProperty("participant");
        Assert.Equal("cli-user", me.GetProperty("identity").GetString());
        Assert.False(me.GetProperty("permission").GetProperty("canPublish").GetBoolean());
    }

    [Theory]
    [InlineData("--ttl", "soon")]
    [InlineData("--grant", "canFly=true")]
    public async Task TokenCreate_BadFlag_ExplainsAndFails(string flag, string value)
    {
        var (code, _, err) = await RunAsync("token", "create", "--api-key", "k", "--api-secret", "s", "--room", "r", "--identity", "i", flag, value);
        Assert.Equal(2, code);
        Assert.Contains(flag, err);
    }

    [Fact]
    public async Task RoomAndParticipantVerbs_TalkToTheServerApi()
    {
        await using var server = await TestServer.StartAsync();
        string[] auth = ["--url", server.Http.ToString(), "--api-key", TestServer.Key, "--api-secret", TestServer.Secret];
        Assert.Equal(0, (await RunAsync(["room", "create", "weekly", .. auth])).Code);
        var (_, rooms, _) = await RunAsync(["room", "list", .. auth]);
        Assert.Contains("\"weekly\"", rooms);

        await using var alice = await server.JoinAsync("weekly", "alice");
        var (_, people, _) = await RunAsync(["participant", "list", "--room", "weekly", .. auth]);
        Assert.Contains("\"alice\"", people);
        Assert.Equal(0, (await RunAsync(["participant", "remove", "--room", "weekly", "--identity", "alice", .. auth])).Code);
        Assert.Equal(4006, (await alice.WaitClosedAsync()).Code);
        Assert.Equal(0, (await RunAsync(["room", "delete", "weekly", .. auth])).Code);
        Assert.Equal(2, (await RunAsync(["room", "delete", "weekly", .. auth])).Code);
    }
}

[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public sealed class ConsoleCollection;
