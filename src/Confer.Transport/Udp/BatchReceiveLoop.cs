using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Confer.Transport.Engine;
using Confer.Transport.Native;
using Microsoft.Extensions.Logging;

namespace Confer.Transport.Udp;

/// <summary>
/// The Linux receive loop of one UDP socket: <c>recvmmsg</c> blocks until a datagram arrives and takes up to a batch
/// of those already queued in the same call; the replies to the batch leave together through one <c>sendmmsg</c>
/// (<see cref="UdpSocketSink.Flush"/>). Under load that is two system calls per batch instead of two per request.
/// </summary>
internal static partial class BatchReceiveLoop
{
    /// <summary>The largest UDP payload, so no datagram is ever cut.</summary>
    internal const int ReceiveSlot = 65536;

    /// <summary>Replies bigger than this are sent on their own (a Binding or TURN response is at most 768 bytes; relayed data mostly fits).</summary>
    internal const int SendSlot = 2048;

    private const int SolSocket = 1, SoRcvTimeo = 20; // asm-generic/socket.h (64-bit struct timeval)

    /// <summary>
    /// Receives until the listener set is disposed or the socket is closed. Returns false, having handled
    /// nothing, when the C library has no <c>recvmmsg</c>; the caller then runs the portable loop.
    /// </summary>
    public static bool Run(Socket socket, UdpListenerSet owner, TransportAddress local, int index,
                                  int batchSize, IPacketHandler handler, EpollEngine? engine, ILogger logger)
    {
        using var received = new MmsgBuffers(batchSize, ReceiveSlot);
        using var replies = new MmsgBuffers(batchSize, SendSlot);
        var sink = new UdpSocketSink(socket, replies, engine);
        var remote = new SocketAddress(socket.AddressFamily);
        try
        {
            // Closing the socket wakes a blocked receive on Linux; the timeout is the backstop.
            Span<byte> timeval = stackalloc byte[16];
            timeval.Clear();
            MemoryMarshal.Write(timeval[8..], 500_000L);
            socket.SetRawSocketOption(SolSocket, SoRcvTimeo, timeval);
        }
        catch (SocketException) { }
        catch (ObjectDisposedException) { return true; }

        var handle = socket.SafeHandle;
        bool first = true;
        int filled = batchSize;
        try
        {
            while (!owner.Stopping)
            {
                received.Reset(filled);
                int n, error;
                try
                {
                    n = received.Receive(handle, batchSize, out error);
                }
                catch (ObjectDisposedException) { break; }
                catch (Exception e) when (first && e is EntryPointNotFoundException or DllNotFoundException) { return false; }
                if (n < 0)
                {
                    filled = batchSize;
                    if (first && error is Libc.ENoSys or Libc.EOpNotSupp) return false;
                    if (error is Libc.EBadF or Libc.ENotSock || owner.Stopping) break;
                    if (error == Libc.EAgain)
                    {
                        // The receive timeout, or a socket someone made non-blocking: wait for data without spinning.
                        if (!WaitReadable(socket)) break;
                    }
                    else if (error != Libc.EIntr)
                    {
                        // ICMP errors (port unreachable from an earlier reply) can surface here: keep going.
                        Log.ReceiveError(logger, error);
                    }
                    continue;
                }
                first = false;
                filled = n;
                if (owner.Stopping) break;
                Handle(received, n, remote, local, sink, owner, index, handler, logger);
                sink.Flush();
            }
        }
        finally
        {
            sink.EndBatching();
        }
        return true;
    }

    /// <summary>Hands the <paramref name="count"/> datagrams of a batch to the handler; replies queue in <paramref name="sink"/>.</summary>
    internal static void Handle(MmsgBuffers received, int count, SocketAddress remote, TransportAddress local, UdpSocketSink sink,
                                UdpListenerSet owner, int index, IPacketHandler handler, ILogger logger)
    {
        for (int i = 0; i < count; i++)
        {
            if (received.Truncated(i) || !received.TryCopyAddress(i, remote)) continue;
            try
            {
                var tuple = new FiveTuple(TransportAddress.FromSocketAddress(remote), local, ClientTransport.Udp);
                handler.OnPacket(received.Received(i), new PacketContext(tuple, remote, sink, owner, index));
            }
            catch (Exception e)
            {
                Log.PacketFailed(logger, e);
            }
        }
    }

    private static bool WaitReadable(Socket socket)
    {
        try
        {
            socket.Poll(500_000, SelectMode.SelectRead);
            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    internal static partial class Log
    {
        [LoggerMessage(EventId = 102, Level = LogLevel.Debug, Message = "UDP batched receive error (errno {Errno})")]
        public static partial void ReceiveError(ILogger logger, int errno);

        [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "A UDP packet could not be handled")]
        public static partial void PacketFailed(ILogger logger, Exception exception);
    }
}
