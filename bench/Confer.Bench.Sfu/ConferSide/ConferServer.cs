using Confer.Bench.Sfu.Rtc;

namespace Confer.Bench.Sfu.ConferSide;

/// <summary><c>confer serve --topology sfu</c> in its own process, on loopback ports of its own, and how its participants join.</summary>
internal static class ConferServer
{
    private const string Key = "bench", Secret = "bench-secret-bench-secret-bench-secret";

    public static Task<ChildServer> StartAsync(string dll)
    {
        int http = ChildServer.FreeTcpPort(), media = ChildServer.FreeUdpPort();
        string[] args = ["exec", dll, "serve", "--bind", "127.0.0.1", "--http-port", $"{http}", "--turn-port", $"{media}", "--keys", $"{Key}: {Secret}", "--topology", "sfu"];
        var environment = new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Warning",
            ["Signaling__DefaultMaxParticipants"] = "1000",
            // A subscriber's answer in a room of 50 has 98 media sections: over the 32 KiB SDP and 64 KiB frame defaults.
            ["Signaling__MaxSdpBytes"] = "262144",
            ["Signaling__MaxFrameBytes"] = "524288",
        };
        return ChildServer.StartAsync("confer", "dotnet", args, new Uri($"http://127.0.0.1:{http}/"), "/healthz", environment);
    }

    public static RowRunner.Join Joiner(ChildServer server) => async (setup, index, publish, cancel) =>
        await ConferParticipant.JoinAsync(server.Http, Key, Secret, setup, $"p{index}", publish, cancel);

    public static string FindDll()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Confer.slnx"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("run from the repository or pass --server-dll");
        var config = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        return Path.Combine(dir.FullName, "src", "Confer.Server", "bin", config, "net10.0", "confer.dll");
    }
}
