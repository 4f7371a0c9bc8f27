using System.Net;
using Confer.Turn.Tests.TurnInterop;

namespace Confer.Bench.Turn;

/// <summary>
/// One <c>turnutils_uclient</c> load, run unchanged against each server. Bounded: clients × messages messages,
/// and a hard time limit on the client.
/// </summary>
internal sealed record Workload(string Name, string Flags, int Clients, int Messages, int Length, int IntervalMs,
    UclientTransport Transport = UclientTransport.Udp, bool SendIndications = false)
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    /// <summary>The loads: relayed throughput over UDP and TCP, each with channels and with Send indications.</summary>
    public static IReadOnlyList<Workload> All(bool quick)
    {
        int scale = quick ? 5 : 1;
        return
        [
            new("udp-channels", "-m 20 -n 2000 -l 1000 -z 2", 20, 2000 / scale, 1000, 2),
            new("udp-send-ind", "-s -m 20 -n 2000 -l 1000 -z 2", 20, 2000 / scale, 1000, 2, SendIndications: true),
            new("tcp-channels", "-t -m 20 -n 2000 -l 1000 -z 2", 20, 2000 / scale, 1000, 2, UclientTransport.Tcp),
            new("tcp-send-ind", "-t -s -m 20 -n 2000 -l 1000 -z 2", 20, 2000 / scale, 1000, 2, UclientTransport.Tcp, SendIndications: true),
        ];
    }

    public long ExpectedMessages => (long)Clients * Messages;

    /// <summary>
    /// uclient picks its clients' source ports itself, and a port can come back in a later run while the server still
    /// holds that 5-tuple's allocation (400 or 437 on the next request). Every run therefore gets its own loopback
    /// source address (127.0.1.N, all on lo): no run ever meets a 5-tuple of an earlier one.
    /// </summary>
    private static int s_run;

    public UclientOptions Options(IPEndPoint server, IPEndPoint peer, string user, string password) => new()
    {
        LocalAddress = new IPAddress([127, 0, 1, (byte)(1 + Interlocked.Increment(ref s_run) % 250)]),
        Server = server,
        Peer = peer,
        User = user,
        Password = password,
        Clients = Clients,
        Messages = Messages,
        Length = Length,
        IntervalMs = IntervalMs,
        Transport = Transport,
        SendIndications = SendIndications,
        Timeout = Limit,
    };
}
