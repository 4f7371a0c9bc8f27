using System.Runtime.InteropServices;
using Confer.Transport.Native;

namespace Confer.Transport.Engine;

/// <summary>
/// Plain TCP client connections on the engine's workers (see <see cref="EngineConnection"/>): a new connection goes to
/// the next worker in turn, and a socket registered for its traffic (TURN: its allocation's relay socket) can join the
/// same worker, as for UDP clients.
/// </summary>
public sealed unsafe partial class EpollEngine
{
    private uint _nextConnectionWorker;
    private int _connections;

    /// <summary>TCP client connections registered now: what a test checks for leaks.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Starts serving <paramref name="connection"/> from a worker; false if the engine cannot take it.</summary>
    internal bool AddConnection(EngineConnection connection)
    {
        lock (_lock)
        {
            if (_stopped) return false;
            var worker = _workers[_nextConnectionWorker++ % (uint)_workers.Length];
            int slot = TakeSlotLocked();
            // Known before the first event: sends on the worker's thread wait for its end-of-round flush.
            connection.EngineWorker = worker.Index;
            connection.WorkerThread = worker.ThreadId;
            connection.Slot = slot;
            Volatile.Write(ref _slots[slot], connection);
            if (!worker.Add(connection.Socket, slot))
            {
                Volatile.Write(ref _slots[slot], null);
                _free.Push(slot);
                connection.Slot = -1;
                return false;
            }
            _connections++;
            return true;
        }
    }

    /// <summary>On the connection's worker, before its socket closes or leaves for a data connection.</summary>
    internal void RemoveConnection(EngineConnection connection)
    {
        lock (_lock)
        {
            int slot = connection.Slot;
            if (slot < 0 || slot >= _slots.Length || !ReferenceEquals(_slots[slot], connection)) return;
            Libc.EpollEvent ev = default;
            if (!_handlesClosed) Libc.epoll_ctl(_workers[connection.EngineWorker].Epoll, Libc.EpollCtlDel, connection.Fd, &ev);
            Volatile.Write(ref _slots[slot], null);
            _free.Push(slot);
            connection.Slot = -1;
            _connections--;
        }
    }

    /// <summary>Asks for (or stops asking for) a wake-up when the connection's socket can take more output.</summary>
    internal bool WaitWritable(EngineConnection connection, bool writable)
    {
        var ev = new Libc.EpollEvent { Events = Libc.EpollIn | (writable ? Libc.EpollOut : 0), Data = (ulong)connection.Slot };
        return connection.Slot >= 0 && !_handlesClosed &&
               Libc.epoll_ctl(_workers[connection.EngineWorker].Epoll, Libc.EpollCtlMod, connection.Fd, &ev) == 0;
    }

    /// <summary>On the connection's worker: flush its output at the end of this wake-up.</summary>
    internal void FlushLater(EngineConnection connection) => _workers[connection.EngineWorker].Dirty.Add(connection);
}
