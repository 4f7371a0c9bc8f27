using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Confer.Transport.Native;

namespace Confer.Transport.Engine;

/// <summary>
/// UDP and plain TCP on Linux: a few threads (EpollEngine.Worker.cs), each blocked in <c>epoll_wait</c> over the
/// non-blocking sockets given to it: datagram sockets registered with an <see cref="IDatagramReceiver"/> (TURN's relay
/// sockets, peer → client: drained with <c>recvmmsg</c>, each datagram handed to its receiver synchronously), a port's
/// own UDP sockets (client → server, see EpollEngine.Listeners.cs) and its TCP client connections
/// (EpollEngine.Connections.cs, <see cref="EngineConnection"/>). No thread-pool hop and no per-socket pending receive: one
/// wake-up serves every socket that became ready, and a socket registered for a client's traffic can sit on the worker
/// that receives that client's datagrams, so one thread serves both directions and the data for its clients leaves in
/// one <c>sendmmsg</c> per wake-up.
/// </summary>
/// <remarks>
/// Level-triggered, and a socket gives up its turn after <see cref="Budget"/> datagrams, so a busy peer cannot starve
/// the other sockets of its thread (what is left wakes the next <c>epoll_wait</c> at once). The epoll user data is
/// a slot number, never the fd: <see cref="Unregister"/> takes the socket out of epoll and clears its slot before the
/// owner closes the socket, and a drain holds a reference on the socket handle, so a recycled fd number is never
/// read by the wrong receiver. Whether a process runs an engine is decided in one place, <see cref="TransportRuntime"/>,
/// from <see cref="TransportOptions"/>; without one, callers keep their own receive loops.
/// </remarks>
public sealed unsafe partial class EpollEngine : IDisposable
{
    private const int Budget = 64;
    private const int DrainBatch = 8;
    private const int MaxEvents = 64;
    private const int WaitMs = 250;

    /// <summary>The epoll user data of a worker's wake-up eventfd (slots are small numbers).</summary>
    private const ulong WakeData = ulong.MaxValue;

    private readonly Worker[] _workers;
    private readonly Lock _lock = new();
    private object?[] _slots = new object?[256];
    private readonly Stack<int> _free = new();
    private int _next;
    private int _registered;
    private volatile bool _stopped;
    private bool _handlesClosed;

    /// <summary>Room in front of each datagram a registered socket receives: a header can be written there without a copy.</summary>
    public const int DatagramHeadRoom = 64;

    /// <summary>Free bytes after each such datagram (room to pad it to a multiple of 4).</summary>
    public const int DatagramTailRoom = 4;

    /// <summary>The largest datagram a registered socket delivers; a longer one is dropped.</summary>
    public const int MaxDatagram = ushort.MaxValue - DatagramHeadRoom;

    /// <summary>Linux x64: the epoll and mmsg layouts the engine is written for.</summary>
    public static bool IsSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    public EpollEngine(int threads)
    {
        if (!IsSupported) throw new PlatformNotSupportedException("The epoll engine needs Linux on x64.");
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

    /// <summary>Datagram sockets registered now: what a test checks for leaks.</summary>
    public int Registered => Volatile.Read(ref _registered);

    /// <summary>Port sockets the workers serve now (including any still being let go).</summary>
    public int Listeners => _workers.Sum(w => Volatile.Read(ref w.Listeners).Length);

    /// <summary>
    /// Bytes the worker threads have allocated on the managed heap so far (as of each one's last wake-up): with every
    /// UDP packet handled on them, what a test of the packet path's allocations reads, undisturbed by the rest of the process.
    /// </summary>
    public long AllocatedBytesOnWorkers => _workers.Sum(w => Volatile.Read(ref w.Allocated));

    /// <summary>How many worker threads there are.</summary>
    public int WorkerCount => _workers.Length;

    /// <summary>
    /// Makes <paramref name="socket"/>'s socket non-blocking and starts delivering its datagrams to its receiver, on worker
    /// <paramref name="preferredWorker"/> when that is one (e.g. the worker of the client whose traffic it carries); false
    /// if it could not (or <see cref="Unregister"/> came first): the caller then runs its own receive loop.
    /// </summary>
    public bool Register(EngineDatagramSocket socket, int preferredWorker = -1)
    {
        lock (_lock)
        {
            if (_stopped || socket.Removed || socket.Slot >= 0) return false;
            int slot = TakeSlotLocked();
            var worker = _workers[(uint)preferredWorker < (uint)_workers.Length ? preferredWorker : slot % _workers.Length];
            if (!worker.Add(socket.Socket, slot))
            {
                _free.Push(slot);
                return false;
            }
            Volatile.Write(ref _slots[slot], socket);
            socket.Slot = slot;
            socket.Worker = worker.Index;
            _registered++;
            return true;
        }
    }

    /// <summary>Stops delivery for a datagram socket, for good: call before its socket is closed.</summary>
    public void Unregister(EngineDatagramSocket socket)
    {
        lock (_lock)
        {
            socket.Removed = true;
            int slot = socket.Slot;
            if (slot < 0 || slot >= _slots.Length || !ReferenceEquals(_slots[slot], socket)) return;
            if (!_handlesClosed) _workers[socket.Worker].Remove(socket.Socket);
            Volatile.Write(ref _slots[slot], null);
            socket.Slot = -1;
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
        lock (_lock)
        {
            // Owners unregistering later (allocations closed after the engine) find no epoll set to touch.
            _handlesClosed = true;
            foreach (var worker in _workers) worker.CloseHandles();
        }
    }

    /// <summary>
    /// One datagram with a single <c>sendto</c> (Linux x64): none of the managed socket's per-call work (TURN's
    /// client → peer path). Returns 0, or the errno (the datagram is dropped; UDP is lossy anyway).
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
}
