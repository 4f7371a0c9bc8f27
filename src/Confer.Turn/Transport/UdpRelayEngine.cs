using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Confer.Turn.Allocations;
using Confer.Turn.Transport.Native;

namespace Confer.Turn.Transport;

/// <summary>
/// Peer → client on Linux: a few threads, each blocked in <c>epoll_wait</c> over the non-blocking UDP relay sockets
/// given to it, drain every ready socket with <c>recvfrom</c> and hand each datagram to its allocation synchronously (one registration per relayed address, two for a dual allocation).
/// No thread-pool hop and no per-socket pending receive: one wake-up serves every socket that became ready.
/// </summary>
/// <remarks>
/// Level-triggered, and a socket gives up its turn after <see cref="Budget"/> datagrams, so a busy peer cannot starve
/// the other allocations of its thread (what is left wakes the next <c>epoll_wait</c> at once). The epoll user data is
/// a slot number, never the fd: <see cref="Unregister"/> takes the socket out of epoll and clears its slot before the
/// allocation closes the socket, and a drain holds a reference on the socket handle, so a recycled fd number is never
/// read by the wrong allocation. Where the engine is not available (not Linux x64, or <c>CONFER_RELAY_ENGINE=0</c>)
/// <see cref="Shared"/> is null and allocations keep their own awaited receive loop.
/// </remarks>
internal sealed unsafe class UdpRelayEngine : IDisposable
{
    private const int Budget = 64;
    private const int MaxEvents = 64;
    private const int WaitMs = 250;

    private static readonly Lazy<UdpRelayEngine?> s_shared = new(CreateShared);

    private readonly Worker[] _workers;
    private readonly Lock _lock = new();
    private RelayEndpoint?[] _slots = new RelayEndpoint?[256];
    private readonly Stack<int> _free = new();
    private int _next;
    private int _registered;
    private volatile bool _stopped;

    /// <summary>The process's engine, or null where the portable loop is used.</summary>
    public static UdpRelayEngine? Shared => s_shared.Value;

    public static bool IsSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    public UdpRelayEngine(int threads)
    {
        if (!IsSupported) throw new PlatformNotSupportedException("The relay engine needs Linux on x64.");
        _workers = new Worker[Math.Max(1, threads)];
        for (int i = 0; i < _workers.Length; i++)
        {
            int epoll = Libc.epoll_create1(Libc.EpollCloExec);
            if (epoll < 0) throw new SocketException(Marshal.GetLastPInvokeError());
            _workers[i] = new Worker(this, epoll, i);
        }
        foreach (var worker in _workers) worker.Start();
    }

    /// <summary>Sockets registered now: what a test checks for leaks.</summary>
    public int Registered => Volatile.Read(ref _registered);

    /// <summary>Makes a relayed address's socket non-blocking and starts delivering its datagrams; false if it could not.</summary>
    public bool Register(RelayEndpoint endpoint)
    {
        var socket = endpoint.Socket;
        lock (_lock)
        {
            if (_stopped || endpoint.IsClosed || endpoint.Owner is null) return false;
            int slot = _free.Count > 0 ? _free.Pop() : _next++;
            if (slot >= _slots.Length) Array.Resize(ref _slots, _slots.Length * 2);
            var worker = _workers[slot % _workers.Length];
            bool added = false;
            socket.SafeHandle.DangerousAddRef(ref added);
            try
            {
                socket.Blocking = false;
                var ev = new Libc.EpollEvent { Events = Libc.EpollIn, Data = (ulong)slot };
                if (Libc.epoll_ctl(worker.Epoll, Libc.EpollCtlAdd, (int)socket.SafeHandle.DangerousGetHandle(), &ev) != 0)
                {
                    _free.Push(slot);
                    return false;
                }
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                _free.Push(slot);
                return false;
            }
            finally
            {
                if (added) socket.SafeHandle.DangerousRelease();
            }
            Volatile.Write(ref _slots[slot], endpoint);
            endpoint.EngineSlot = slot;
            _registered++;
            return true;
        }
    }

    /// <summary>Stops delivery for a relayed address: call before its socket is closed.</summary>
    public void Unregister(RelayEndpoint endpoint)
    {
        lock (_lock)
        {
            int slot = endpoint.EngineSlot;
            if (slot < 0 || slot >= _slots.Length || !ReferenceEquals(_slots[slot], endpoint)) return;
            var worker = _workers[slot % _workers.Length];
            var socket = endpoint.Socket;
            bool added = false;
            try
            {
                socket.SafeHandle.DangerousAddRef(ref added);
                Libc.EpollEvent ev = default;
                Libc.epoll_ctl(worker.Epoll, Libc.EpollCtlDel, (int)socket.SafeHandle.DangerousGetHandle(), &ev);
            }
            catch (ObjectDisposedException)
            {
                // Already closed: the kernel dropped it from the epoll set with its last reference.
            }
            finally
            {
                if (added) socket.SafeHandle.DangerousRelease();
            }
            Volatile.Write(ref _slots[slot], null);
            endpoint.EngineSlot = -1;
            _free.Push(slot);
            _registered--;
        }
    }

    public void Dispose()
    {
        if (_stopped) return;
        _stopped = true;
        foreach (var worker in _workers) worker.Join();
        foreach (var worker in _workers) Libc.close(worker.Epoll);
    }

    private RelayEndpoint? Slot(ulong data)
    {
        var slots = Volatile.Read(ref _slots);
        return data < (ulong)slots.Length ? Volatile.Read(ref slots[(int)data]) : null;
    }

    private static UdpRelayEngine? CreateShared()
    {
        // CONFER_RELAY_ENGINE=0 turns it off (each relay socket then has its own awaited receive loop).
        if (!IsSupported || Environment.GetEnvironmentVariable("CONFER_RELAY_ENGINE") == "0") return null;
        try
        {
            return new UdpRelayEngine(Math.Clamp(Environment.ProcessorCount, 1, 4));
        }
        catch (Exception e) when (e is SocketException or DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    private sealed class Worker(UdpRelayEngine engine, int epoll, int index)
    {
        private Thread? _running;

        public int Epoll { get; } = epoll;

        public void Start()
        {
            _running = new Thread(Run) { IsBackground = true, Name = $"confer-relay-{index}" };
            _running.Start();
        }

        public void Join() => _running?.Join();

        private void Run()
        {
            var events = GC.AllocateArray<Libc.EpollEvent>(MaxEvents, pinned: true);
            var buffer = GC.AllocateArray<byte>(Allocation.RelayBufferLength, pinned: true);
            var peer = new SocketAddress(AddressFamily.InterNetworkV6);
            int maxAddress = peer.Buffer.Length;
            fixed (Libc.EpollEvent* ready = events)
            fixed (byte* data = buffer)
            {
                while (!engine._stopped)
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
                        var endpoint = engine.Slot(ready[i].Data);
                        if (endpoint?.Owner is { } owner) Drain(endpoint, owner, buffer, data, peer, maxAddress);
                    }
                }
            }
        }

        private static void Drain(RelayEndpoint endpoint, Allocation allocation, byte[] buffer, byte* data, SocketAddress peer, int maxAddress)
        {
            var handle = endpoint.Socket.SafeHandle;
            bool added = false;
            handle.DangerousAddRef(ref added);
            if (!added) return;
            try
            {
                if (endpoint.IsClosed) return;
                int fd = (int)handle.DangerousGetHandle();
                for (int n = 0; n < Budget; n++)
                {
                    uint addressLength = (uint)maxAddress;
                    nint received;
                    fixed (byte* address = peer.Buffer.Span)
                    {
                        peer.Size = maxAddress;
                        received = Libc.recvfrom(fd, data + Allocation.RelayHeadRoom, Allocation.RelayMaxData, 0, address, &addressLength);
                    }
                    if (received < 0)
                    {
                        int errno = Marshal.GetLastPInvokeError();
                        if (errno == Libc.EIntr) continue;
                        if (errno == Libc.EAgain) return;
                        // ICMP errors from earlier sends (ECONNREFUSED and friends) are reported here: keep draining.
                        if (errno is Libc.EConnRefused or Libc.EHostUnreach or Libc.ENetUnreach) continue;
                        return;
                    }
                    peer.Size = (int)Math.Min(addressLength, (uint)maxAddress);
                    allocation.ForwardFromEngine(buffer, (int)received, peer);
                }
            }
            catch (ObjectDisposedException)
            {
            }
            finally
            {
                handle.DangerousRelease();
            }
        }
    }
}
