using System.Buffers.Binary;
using Confer.Sfu.Session;
using Confer.Sfu.Tests.Session.Client;

namespace Confer.Sfu.Tests.Session.Transport;

/// <summary>Several publishers' receive threads send to one subscriber at once: the outbound SRTP context stays whole.</summary>
public sealed class TransportConcurrencyTests
{
    [Fact]
    public void SendRtp_FourThreadsAtOnce_EveryPacketTheClientGetsAuthenticates()
    {
        using var harness = new TransportHarness();
        var (transport, client) = harness.Connect();
        const int threads = 4, perThread = 1500;

        // The client drains its socket while the senders run, so the kernel buffer rarely overflows.
        int received = 0, failures = 0;
        var seen = new HashSet<(uint, ushort)>();
        using var stop = new CancellationTokenSource();
        var drain = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested || received < threads * perThread)
            {
                var packet = client.ReceiveMedia(stop.IsCancellationRequested ? 500 : 100, rtcp: false, out int f);
                failures += f;
                if (packet is null)
                {
                    if (stop.IsCancellationRequested) break;
                    continue;
                }
                received++;
                Assert.True(seen.Add((BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(8)), BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2)))));
            }
        });

        using var start = new Barrier(threads);
        var senders = Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
        {
            var buffer = new byte[300];
            int ok = 0;
            start.SignalAndWait();
            for (int i = 0; i < perThread; i++)
            {
                var plain = SfuTestClient.RtpPacket((ushort)(i + 1), ssrc: 0xD000_0000u + (uint)t, payloadLength: 160);
                plain.CopyTo(buffer, 0);
                if (transport.SendRtp(buffer, plain.Length)) ok++;
                if (i % 64 == 0) Thread.Yield();
            }
            return ok;
        }, TaskCreationOptions.LongRunning)).ToArray();
        Assert.True(Task.WaitAll(senders, TimeSpan.FromSeconds(30)));
        stop.Cancel();
        Assert.True(drain.Wait(TimeSpan.FromSeconds(30)));

        Assert.All(senders, s => Assert.Equal(perThread, s.Result));
        Assert.Equal(threads * perThread, transport.PacketsOut);
        Assert.Equal(0, failures); // a torn outbound context would give tags the client refuses
        Assert.True(received > threads * perThread / 2, $"only {received} of {threads * perThread} arrived");
    }
}
