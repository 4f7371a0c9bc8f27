using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Confer.Transport.Native;

namespace Confer.Transport.Engine;

/// <summary>One engine thread: its epoll set, its wake-up eventfd, and the loop that serves what becomes ready.</summary>
public sealed unsafe partial class EpollEngine
{
    private sealed class Worker
    {
        private readonly EpollEngine _engine;
        private readonly int _wake;
        private Thread? _running;

        private Worker(EpollEngine engine, int index, int epoll, int wake)
        {
            _engine = engine;
            Index = index;
            Epoll = epoll;
            _wake = wake;
        }

        public int Index { get; }

        public int Epoll { get; }

        /// <summary>The worker thread's managed id: sinks it owns queue what this thread sends.</summary>
        public int ThreadId => _running!.ManagedThreadId;

        /// <summary>What this thread had allocated at the end of its last wake-up.</summary>
        public long Allocated;

        /// <summary>The port sockets this worker receives from (copy on write, under the engine's lock).</summary>
        public EngineListener[] Listeners = [];

        /// <summary>TCP connections with output appended during this wake-up (worker thread only).</summary>
        public readonly List<EngineConnection> Dirty = [];

        public static Worker Create(EpollEngine engine, int index)
        {
            int epoll = Libc.epoll_create1(Libc.EpollCloExec);
            if (epoll < 0) throw new SocketException(Marshal.GetLastPInvokeError());
            int wake = Libc.eventfd(0, Libc.EfdNonBlock | Libc.EfdCloExec);
            var ev = new Libc.EpollEvent { Events = Libc.EpollIn, Data = WakeData };
            if (wake < 0 || Libc.epoll_ctl(epoll, Libc.EpollCtlAdd, wake, &ev) != 0)
            {
                int error = Marshal.GetLastPInvokeError();
                if (wake >= 0) Libc.close(wake);
                Libc.close(epoll);
                throw new SocketException(error);
            }
            return new Worker(engine, index, epoll, wake);
        }

        public void Start()
        {
            _running = new Thread(Run) { IsBackground = true, Name = $"confer-epoll-{Index}" };
            _running.Start();
        }

        public void Join() => _running?.Join();

        public void CloseHandles()
        {
            Libc.close(_wake);
            Libc.close(Epoll);
        }

        /// <summary>Wakes the worker's <c>epoll_wait</c> (a listener to retire, or the engine stopping).</summary>
        public void Wake()
        {
            ulong one = 1;
            Libc.write(_wake, &one, sizeof(ulong));
        }

        /// <summary>Makes the socket non-blocking and adds it to this worker's epoll set with <paramref name="slot"/> as its data.</summary>
        public bool Add(Socket socket, int slot)
        {
            bool added = false;
            try
            {
                socket.SafeHandle.DangerousAddRef(ref added);
                socket.Blocking = false;
                var ev = new Libc.EpollEvent { Events = Libc.EpollIn, Data = (ulong)slot };
                return Libc.epoll_ctl(Epoll, Libc.EpollCtlAdd, (int)socket.SafeHandle.DangerousGetHandle(), &ev) == 0;
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                return false;
            }
            finally
            {
                if (added) socket.SafeHandle.DangerousRelease();
            }
        }

        public void Remove(Socket socket)
        {
            bool added = false;
            try
            {
                socket.SafeHandle.DangerousAddRef(ref added);
                Libc.EpollEvent ev = default;
                Libc.epoll_ctl(Epoll, Libc.EpollCtlDel, (int)socket.SafeHandle.DangerousGetHandle(), &ev);
            }
            catch (ObjectDisposedException)
            {
                // Already closed: the kernel dropped it from the epoll set with its last reference.
            }
            finally
            {
                if (added) socket.SafeHandle.DangerousRelease();
            }
        }

        private void Run()
        {
            var events = GC.AllocateArray<Libc.EpollEvent>(MaxEvents, pinned: true);
            // One slot per datagram of a drain, each with room in front for a header (TURN's, for the client) and after it for padding.
            using var drained = new MmsgBuffers(DrainBatch, DatagramHeadRoom + MaxDatagram + DatagramTailRoom, DatagramHeadRoom, DatagramTailRoom);
            var peer = new SocketAddress(AddressFamily.InterNetworkV6);
            // TCP connections read into this; each keeps bytes of its own only for an incomplete frame.
            byte[]? streamScratch = null;
            fixed (Libc.EpollEvent* ready = events)
            {
                while (!_engine._stopped)
                {
                    int count = Libc.epoll_wait(Epoll, ready, MaxEvents, WaitMs);
                    if (count < 0)
                    {
                        if (Marshal.GetLastPInvokeError() == Libc.EIntr) continue;
                        Thread.Sleep(10);
                        continue;
                    }
                    for (int i = 0; i < count; i++)
                    {
                        if (ready[i].Data == WakeData)
                        {
                            ulong value;
                            Libc.read(_wake, &value, sizeof(ulong));
                            continue;
                        }
                        switch (_engine.Slot(ready[i].Data))
                        {
                            case EngineDatagramSocket socket:
                                Drain(socket, drained, peer);
                                break;
                            case EngineListener listener:
                                listener.Receive();
                                break;
                            case EngineConnection connection:
                                if (streamScratch is null || streamScratch.Length < connection.ScratchLength) streamScratch = new byte[connection.ScratchLength];
                                connection.OnReady(ready[i].Events, streamScratch);
                                break;
                        }
                    }
                    // Each TCP client's output of the round goes in one send.
                    foreach (var connection in Dirty) connection.Flush();
                    Dirty.Clear();
                    // What the round's handlers sent to clients through this worker's port sockets leaves now.
                    FlushAndRetire(retireAll: false);
                    Volatile.Write(ref Allocated, GC.GetAllocatedBytesForCurrentThread());
                }
            }
            FlushAndRetire(retireAll: true);
        }

        private void FlushAndRetire(bool retireAll)
        {
            var listeners = Volatile.Read(ref Listeners);
            List<EngineListener>? retired = null;
            foreach (var listener in listeners)
            {
                if (retireAll || listener.Removing) (retired ??= []).Add(listener);
                else listener.Sink.Flush();
            }
            if (retired is null) return;
            lock (_engine._lock)
            {
                Listeners = [.. Listeners.Where(l => !retired.Contains(l))];
            }
            foreach (var listener in retired) listener.Retire();
        }

        /// <summary>
        /// Up to <see cref="Budget"/> datagrams of one registered socket, <see cref="DrainBatch"/> per <c>recvmmsg</c>. A call
        /// that returns fewer than it could take found the queue empty: no further call just to learn that (level-triggered
        /// epoll reports the socket again if more arrives).
        /// </summary>
        private static void Drain(EngineDatagramSocket socket, MmsgBuffers drained, SocketAddress peer)
        {
            var handle = socket.Socket.SafeHandle;
            var receiver = socket.Receiver;
            int filled = DrainBatch;
            for (int taken = 0; taken < Budget;)
            {
                if (socket.Removed) return;
                drained.Reset(filled);
                int n, error;
                try
                {
                    n = drained.Receive(handle, DrainBatch, out error);
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                if (n < 0)
                {
                    filled = DrainBatch;
                    if (error == Libc.EIntr) continue;
                    // ICMP errors from earlier sends (ECONNREFUSED and friends) are reported once: keep draining.
                    if (error is Libc.EConnRefused or Libc.EHostUnreach or Libc.ENetUnreach) { taken++; continue; }
                    return; // EAGAIN: empty
                }
                filled = n;
                for (int i = 0; i < n; i++)
                {
                    if (drained.Truncated(i) || !drained.TryCopyAddress(i, peer, anyFamily: true)) continue;
                    receiver.OnDatagram(drained.Slot(i), drained.ReceivedLength(i), peer);
                }
                if (n < DrainBatch) return;
                taken += n;
            }
        }
    }
}
