using System.Collections.Concurrent;
using CsCheck;
using Confer.Sfu.Dtls;
using DtlsTransport = Confer.Sfu.Dtls.DtlsTransport;

namespace Confer.Sfu.Tests.Dtls;

/// <summary>Random and mutated datagrams never make a transport throw, crash or outlive its handshake deadline.</summary>
public sealed class DtlsTransportFuzzTests
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromMilliseconds(400);

    [Fact]
    public async Task OnDatagram_RandomAndMutatedDatagrams_NeverThrowAndEndByDeadline()
    {
        var flight = await CaptureClientDatagramsAsync();
        Assert.True(flight.Length >= 2); // ClientHello and the client's second flight

        var random = Gen.Byte.Array[0, 300];
        var dtlsLooking = Gen.Select(Gen.Byte[20, 63], Gen.Byte.Array[12, 300], (first, rest) => (byte[])[first, .. rest]);
        var mutated = Gen.Select(Gen.Int[0, flight.Length - 1], Gen.Int[0, 4000], Gen.Byte, Gen.Int[0, 3],
            (which, at, value, kind) =>
            {
                var copy = flight[which].ToArray();
                int i = at % copy.Length;
                return kind switch
                {
                    0 => Set(copy, i, value),
                    1 => copy[..i],                     // truncated
                    2 => [.. copy, .. copy.AsSpan(i)], // trailing junk
                    _ => Set(copy, Math.Min(i, 12), value), // a header byte
                };
            });
        var sequence = Gen.OneOf(random, dtlsLooking, mutated, mutated, Gen.Const(flight[0])).Array[1, 24];

        var running = new ConcurrentBag<(DtlsTransport Transport, Task<DtlsSrtpKeys> Handshake)>();
        sequence.Sample(datagrams =>
        {
            var transport = new DtlsTransport(TestCertificates.Server, new DtlsTransportTests.NullSender(),
                new DtlsSettings { HandshakeTimeout = HandshakeTimeout });
            var handshake = transport.HandshakeAsync(TestCertificates.Client.Fingerprint);
            foreach (var datagram in datagrams)
            {
                transport.OnDatagram(datagram);
            }
            running.Add((transport, handshake));
        }, iter: 60, threads: 1);

        var started = DateTime.UtcNow;
        foreach (var (transport, handshake) in running)
        {
            // Every handshake fails cleanly (no client finishes it) within the deadline plus scheduling slack.
            var error = await Assert.ThrowsAsync<DtlsHandshakeException>(() => handshake.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.True(error.Error != DtlsHandshakeError.Internal, error.ToString());
            await DtlsTransportTests.WaitUntilAsync(() => !transport.IsThreadAlive);
            Assert.Equal(0, transport.QueuedDatagrams);
            transport.Dispose();
        }
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task OnDatagram_ConnectedTransport_MutatedRecordsIgnored()
    {
        // After the handshake, corrupt records (bad MAC, wrong epoch, junk) are dropped by BouncyCastle, not fatal.
        using var pipe = new InMemoryDtlsPipe(TestCertificates.Server);
        var client = new TestDtlsClient(TestCertificates.Client, TestCertificates.Server.Fingerprint, [0x0007]);
        var keys = pipe.Server.HandshakeAsync(TestCertificates.Client.Fingerprint);
        var clientTransport = await pipe.ConnectClientAsync(client).WaitAsync(TimeSpan.FromSeconds(20));
        await keys.WaitAsync(TimeSpan.FromSeconds(20));
        var flight = pipe.ClientSent.ToArray();

        var mutated = Gen.Select(Gen.Int[0, flight.Length - 1], Gen.Int[13, 4000], Gen.Byte,
            (which, at, value) => Set(flight[which].ToArray(), 13 + (at % Math.Max(1, flight[which].Length - 13)), value));
        mutated.Sample(d => pipe.Server.OnDatagram(d), iter: 300, threads: 1);

        // A burst beyond the queue's limits is partly dropped (bounded by design); once it drains, data flows.
        await DtlsTransportTests.WaitUntilAsync(() => pipe.Server.QueuedDatagrams == 0);
        clientTransport.Send([7, 7, 7], 0, 3);
        await DtlsTransportTests.WaitUntilAsync(() => pipe.Server.ApplicationRecordsDiscarded == 1);
        Assert.Equal(DtlsTransportState.Connected, pipe.Server.State);
    }

    private static byte[] Set(byte[] bytes, int index, byte value)
    {
        if (index < bytes.Length)
        {
            bytes[index] ^= (byte)(value | 1);
        }
        return bytes;
    }

    private static async Task<byte[][]> CaptureClientDatagramsAsync()
    {
        using var pipe = new InMemoryDtlsPipe(TestCertificates.Server);
        var client = new TestDtlsClient(TestCertificates.Client, TestCertificates.Server.Fingerprint, [0x0007, 0x0001]);
        var keys = pipe.Server.HandshakeAsync(TestCertificates.Client.Fingerprint);
        await pipe.ConnectClientAsync(client).WaitAsync(TimeSpan.FromSeconds(20));
        await keys.WaitAsync(TimeSpan.FromSeconds(20));
        return pipe.ClientSent.ToArray();
    }
}
