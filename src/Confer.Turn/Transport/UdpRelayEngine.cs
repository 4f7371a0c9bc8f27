using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Confer.Turn.Allocations;
using Confer.Turn.Transport.Native;

namespace Confer.Turn.Transport;

/// <summary>
/// UDP and plain TCP on Linux: a few threads (UdpRelayEngine.Worker.cs), each blocked in <c>epoll_wait</c> over the
/// non-blocking sockets given to it: UDP relay sockets (peer → client: drained with <c>recvmmsg</c>, each datagram handed
/// to its allocation synchronously; one registration per relayed address, two for a dual allocation), the STUN/TURN
/// port's own UDP sockets (client → server, see UdpRelayEngine.Listeners.cs) and its TCP client connections
/// (UdpRelayEngine.Connections.cs, <see cref="EngineConnection"/>). No thread-pool hop and no per-socket pending receive: one wake-up serves every
/// socket that became ready, and an allocation's relay socket sits on the worker that receives its client's datagrams,
/// so one thread serves both directions and the data for its clients leaves in one <c>sendmmsg</c> per wake-up.
/// </summary>
/// <remarks>
/// Level-triggered, and a socket gives up its turn after <see cref="Budget"/> datagrams, so a busy peer cannot starve
/// the other allocations of its thread (what is left wakes the next <c>epoll_wait</c> at once). The epoll user data is
/// a slot number, never the fd: <see cref="Unregister"/> takes the socket out of epoll and clears its slot before the
/// allocation closes the socket, and a drain holds a reference on the socket handle, so a recycled fd number is never
/// read by the wrong allocation. Where the engine is not available (not Linux x64, or <c>CONFER_RELAY_ENGINE=0</c>)
/// <see cref="Shared"/> is null and allocations keep their own awaited receive loop.
/// </remarks>
internal sealed unsafe partial class UdpRelayEngine : IDisposable
{
    private const int Budget = 64;
    private const int DrainBatch = 8;
    private const int MaxEvents = 64;
    private const int WaitMs = 250;

    /// <summary>The epoll user data of a worker's wake-up eventfd (slots are small numbers).</summary>
    private const ulong WakeData = ulong.MaxValue;

    private static readonly Lazy<UdpRelayEngine?> s_shared = new(CreateShared);

    private readonly Worker[] _workers;
    private readonly Lock _lock = new();
    private object?[] _slots = new object?[256];
    private readonly Stack<int> _free = new();
    private int _next;
    private int _registered;
    private volatile bool _stopped;

    /// <summary>The process's engine, or null where the portable loops are used.</summary>
    public static UdpRelayEngine? Shared => s_shared.Value;

    public static bool IsSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    public UdpRelayEngine(int threads)
    {
        if (!IsSupported) throw new PlatformNotSupportedException("The relay engine needs Linux on x64.");
        _workers = new Worker[Math.Max(1, threads)];
        try
        {
            for (int i = 0; i < _workers.Length; i++) _workers[i] = Worker.Create(this, i);
        }
        catch
        {
            foreach (var worker in _workers) worker?.CloseHandles();
            throw;
        }
        foreach (var worker in _workers) worker.Start();
    }

    /// <summary>Relay sockets registered now: what a test checks for leaks.</summary>
    public int Registered => Volatile.Read(ref _registered);

    /// <summary>Port sockets the workers serve now (including any still being let go).</summary>
    public int Listeners => _workers.Sum(w => Volatile.Read(ref w.Listeners).Length);

    /// <summary>
    /// Bytes the worker threads have allocated on the managed heap so far (as of each one's last wake-up): with every
    /// UDP packet handled on them, what a test of the relay path's allocations reads, undisturbed by the rest of the process.
    /// </summary>
    public long AllocatedBytesOnWorkers => _workers.Sum(w => Volatile.Read(ref w.Allocated));

    /// <summary>How many worker threads there are.</summary>
    public int WorkerCount => _workers.Length;

    /// <summary>
    /// Makes a relayed address's socket non-blocking and starts delivering its datagrams, on worker
    /// <paramref name="preferredWorker"/> when that is one (the worker of the client's socket); false if it could not.
    /// </summary>
    public bool Register(RelayEndpoint endpoint, int preferredWorker = -1)
    {
        lock (_lock)
        {
            if (_stopped || endpoint.IsClosed || endpoint.Owner is null) return false;
            int slot = TakeSlotLocked();
            var worker = _workers[(uint)preferredWorker < (uint)_workers.Length ? preferredWorker : slot % _workers.Length];
            if (!worker.Add(endpoint.Socket, slot))
            {
                _free.Push(slot);
                return false;
            }
            Volatile.Write(ref _slots[slot], endpoint);
            endpoint.EngineSlot = slot;
            endpoint.EngineWorker = worker.Index;
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
            _workers[endpoint.EngineWorker].Remove(endpoint.Socket);
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
        foreach (var worker in _workers) worker.Wake();
        foreach (var worker in _workers) worker.Join();
        foreach (var worker in _workers) worker.CloseHandles();
    }

    /// <summary>
    /// One datagram from a relay socket with a single <c>sendto</c> (Linux x64): none of the managed socket's per-call
    /// work on the client → peer path. Returns 0, or the errno (the datagram is dropped; UDP is lossy anyway).
    /// </summary>
    public static int SendTo(Socket socket, ReadOnlySpan<byte> data, SocketAddress destination)
    {
        var handle = socket.SafeHandle;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            fixed (byte* bytes = data)
            fixed (byte* address = destination.Buffer.Span)
            {
                while (true)
                {
                    nint sent = Libc.sendto((int)handle.DangerousGetHandle(), bytes, (nuint)data.Length, Libc.MsgNoSignal, address, (uint)destination.Size);
                    if (sent >= 0) return 0;
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno != Libc.EIntr) return errno;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            return Libc.EBadF;
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private int TakeSlotLocked()
    {
        int slot = _free.Count > 0 ? _free.Pop() : _next++;
        if (slot >= _slots.Length) Array.Resize(ref _slots, _slots.Length * 2);
        return slot;
    }

    private object? Slot(ulong data)
    {
        var slots = Volatile.Read(ref _slots);
        return data < (ulong)slots.Length ? Volatile.Read(ref slots[(int)data]) : null;
    }

    /// <summary>
    /// Worker threads: <c>CONFER_RELAY_THREADS</c> when it is a number from 1 to 64, else one per two cores, at least one
    /// and at most four. Each wake-up of a worker costs a context switch whatever it then serves, so fewer workers each
    /// serving more sockets spend less CPU per packet at the loads a meeting server sees (TURN bench, 2 cores, 14:11 UTC:
    /// one worker used 0.69 s for the UDP-channels run where two used 0.89-0.95 s); the other cores are left to the
    /// runtime, Kestrel (TLS, HTTP, signaling) and the kernel's network stack.
    /// </summary>
    internal static int DefaultThreads(int processors, string? configured) =>
        int.TryParse(configured, out int n) && n is >= 1 and <= 64 ? n : Math.Clamp(processors / 2, 1, 4);

    private static UdpRelayEngine? CreateShared()
    {
        // CONFER_RELAY_ENGINE=0 turns it off (each relay socket then has its own awaited receive loop, each port socket its thread).
        if (!IsSupported || Environment.GetEnvironmentVariable("CONFER_RELAY_ENGINE") == "0") return null;
        try
        {
            return new UdpRelayEngine(DefaultThreads(Environment.ProcessorCount, Environment.GetEnvironmentVariable("CONFER_RELAY_THREADS")));
        }
        catch (Exception e) when (e is SocketException or DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }
}
