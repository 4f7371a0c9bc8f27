using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Confer.Transport.Engine;
using Confer.Transport.Native;

namespace Confer.Bench.Stun;

/// <summary>Settings of one load run.</summary>
internal sealed record LoadSettings(IPEndPoint Target, int Sockets, int Window, TimeSpan ResponseTimeout);

/// <summary>Counters summed over all sockets at one moment.</summary>
internal readonly record struct LoadCounters(long Valid, long Invalid, long Lost, long SendErrors)
{
    public static LoadCounters operator -(LoadCounters a, LoadCounters b) =>
        new(a.Valid - b.Valid, a.Invalid - b.Invalid, a.Lost - b.Lost, a.SendErrors - b.SendErrors);
}

/// <summary>
/// A STUN Binding load generator. Each of <see cref="LoadSettings.Sockets"/> UDP sockets (its own source port, so
/// servers that spread work by 5-tuple can use their threads) runs on its own thread and keeps
/// <see cref="LoadSettings.Window"/> requests outstanding: every valid response frees its slot and sends the next
/// request at once. A response counts only when it is a Binding success whose transaction id is one this socket
/// has outstanding and whose XOR-MAPPED-ADDRESS carries the socket's own port. On Linux x64 responses are taken and
/// follow-ups sent in batches (recvmmsg/sendmmsg), so the generator costs little CPU beside the server. A request unanswered after
/// <see cref="LoadSettings.ResponseTimeout"/> counts as lost and its slot sends a fresh one, so the window never
/// drains. Blocking sockets, no allocation per packet.
/// </summary>
internal sealed class BindingLoadGenerator : IDisposable
{
    private const int HeaderLength = 20;
    private const uint MagicCookie = 0x2112A442;
    private const ushort BindingRequest = 0x0001;
    private const ushort BindingSuccess = 0x0101;
    private const ushort XorMappedAddress = 0x0020;
    private const int Batch = 64;

    private readonly LoadSettings _settings;
    private readonly Worker[] _workers;
    private readonly Thread[] _threads;
    private volatile bool _stopping;

    public BindingLoadGenerator(LoadSettings settings)
    {
        if (settings.Sockets is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(settings), "Sockets must be 1-64.");
        if (settings.Window is < 1 or > 4096) throw new ArgumentOutOfRangeException(nameof(settings), "Window must be 1-4096.");
        _settings = settings;
        _workers = new Worker[settings.Sockets];
        _threads = new Thread[settings.Sockets];
        for (int i = 0; i < settings.Sockets; i++)
        {
            _workers[i] = new Worker(this, (uint)Random.Shared.Next() ^ (uint)i);
            _threads[i] = new Thread(_workers[i].Run) { IsBackground = true, Name = $"stun-load-{i}" };
        }
    }

    public void Start()
    {
        foreach (var thread in _threads) thread.Start();
    }

    public LoadCounters Snapshot()
    {
        long valid = 0, invalid = 0, lost = 0, errors = 0;
        foreach (var worker in _workers)
        {
            valid += Volatile.Read(ref worker.Valid);
            invalid += Volatile.Read(ref worker.Invalid);
            lost += Volatile.Read(ref worker.Lost);
            errors += Volatile.Read(ref worker.SendErrors);
        }
        return new LoadCounters(valid, invalid, lost, errors);
    }

    /// <summary>Stops every thread (each notices within one receive timeout) and waits for them.</summary>
    public void Stop()
    {
        _stopping = true;
        foreach (var thread in _threads)
        {
            if (thread.IsAlive && !thread.Join(TimeSpan.FromSeconds(5))) throw new InvalidOperationException($"{thread.Name} did not stop.");
        }
    }

    public void Dispose()
    {
        if (!_stopping) Stop();
    }

    private sealed class Worker(BindingLoadGenerator owner, uint tag)
    {
        public long Valid;
        public long Invalid;
        public long Lost;
        public long SendErrors;

        public void Run()
        {
            var settings = owner._settings;
            using var socket = new Socket(settings.Target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.ReceiveBufferSize = 1 << 20;
            socket.SendBufferSize = 1 << 20;
            socket.ReceiveTimeout = 20; // ms: how often a silent socket looks for lost requests and the stop flag
            socket.Connect(settings.Target);
            var window = new Window(settings, socket, tag);
            if (EpollEngine.IsSupported) RunBatched(window);
            else RunSingle(window);
        }

        /// <summary>
        /// Linux x64: one <c>recvmmsg</c> takes every response already queued (waiting for the first), and one
        /// <c>sendmmsg</c> sends their follow-ups, so the generator spends its CPU on requests, not on a system call
        /// and a wake-up per datagram. Without this the generator, not the server, set the pace on two cores.
        /// </summary>
        private void RunBatched(Window w)
        {
            using var received = new MmsgBuffers(Batch, 1500);
            using var sends = new MmsgBuffers(Math.Max(Batch, w.Size), HeaderLength);
            var target = w.Target;
            int queued = 0;
            for (int slot = 0; slot < w.Size; slot++) sends.TrySet(queued++, w.Next(slot, slot), target);
            Flush(sends, w, queued);
            queued = 0;
            while (!owner._stopping)
            {
                received.Reset(Batch);
                int n = received.Receive(w.Socket.SafeHandle, Batch, out int error);
                if (n < 0 && error == Libc.EConnRefused)
                {
                    Interlocked.Increment(ref SendErrors); // ICMP port unreachable: nothing listens there
                    Thread.Sleep(1);
                }
                for (int i = 0; i < n; i++)
                {
                    if (w.Answer(received.Received(i), this) is { } next && queued < sends.Count)
                        sends.TrySet(queued++, next, target);
                }
                if (w.SweepDue)
                {
                    foreach (var resend in w.Sweep(this))
                    {
                        if (queued == sends.Count) { Flush(sends, w, queued); queued = 0; }
                        sends.TrySet(queued++, resend, target);
                    }
                }
                Flush(sends, w, queued);
                queued = 0;
            }
        }

        /// <summary>Sends the queued requests; what the kernel refuses is counted and left to the sweep to send again.</summary>
        private void Flush(MmsgBuffers sends, Window w, int queued)
        {
            for (int first = 0; first < queued;)
            {
                int sent = sends.Send(w.Socket.SafeHandle, first, queued - first, out _);
                if (sent <= 0)
                {
                    Interlocked.Add(ref SendErrors, queued - first);
                    break;
                }
                first += sent;
            }
        }

        /// <summary>Elsewhere: a blocking receive and a send per datagram.</summary>
        private void RunSingle(Window w)
        {
            var response = new byte[1500];
            for (int slot = 0; slot < w.Size; slot++) Send(w.Next(slot, slot));
            while (!owner._stopping)
            {
                int received = 0;
                try
                {
                    received = w.Socket.Receive(response);
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
                {
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
                {
                    Interlocked.Increment(ref SendErrors); // ICMP port unreachable: nothing listens there
                    Thread.Sleep(1);
                }
                if (received > 0 && w.Answer(response.AsSpan(0, received), this) is { } next) Send(next);
                if (w.SweepDue) foreach (var resend in w.Sweep(this)) Send(resend);
            }

            void Send(byte[] request)
            {
                try
                {
                    w.Socket.Send(request);
                }
                catch (SocketException)
                {
                    Interlocked.Increment(ref SendErrors); // the sweep will send this slot again
                }
            }
        }

        /// <summary>
        /// The socket's outstanding requests. Slot s holds sequence numbers s, s+W, s+2W…: the outstanding one and when
        /// it was sent. One request buffer, rewritten for each send (the mmsg path copies it into its slot at once).
        /// </summary>
        private sealed class Window
        {
            private readonly long[] _outstanding;
            private readonly long[] _sentAt;
            private readonly byte[] _request = new byte[HeaderLength];
            private readonly long _timeoutTicks;
            private readonly long _sweepEvery = Stopwatch.Frequency / 20;
            private readonly uint _tag;
            private readonly int _localPort;
            private long _lastSweep = Stopwatch.GetTimestamp();

            public Window(LoadSettings settings, Socket socket, uint tag)
            {
                Socket = socket;
                Size = settings.Window;
                _tag = tag;
                _outstanding = new long[Size];
                _sentAt = new long[Size];
                _timeoutTicks = (long)(settings.ResponseTimeout.TotalSeconds * Stopwatch.Frequency);
                _localPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
                Target = ((IPEndPoint)socket.RemoteEndPoint!).Serialize();
                BinaryPrimitives.WriteUInt16BigEndian(_request, BindingRequest);
                BinaryPrimitives.WriteUInt16BigEndian(_request.AsSpan(2), 0);
                BinaryPrimitives.WriteUInt32BigEndian(_request.AsSpan(4), MagicCookie);
                BinaryPrimitives.WriteUInt32BigEndian(_request.AsSpan(8), tag);
            }

            public Socket Socket { get; }
            public int Size { get; }
            public SocketAddress Target { get; }

            /// <summary>Marks <paramref name="sequence"/> outstanding in <paramref name="slot"/>; returns its request.</summary>
            public byte[] Next(int slot, long sequence)
            {
                _outstanding[slot] = sequence;
                _sentAt[slot] = Stopwatch.GetTimestamp();
                BinaryPrimitives.WriteInt64BigEndian(_request.AsSpan(12), sequence);
                return _request;
            }

            /// <summary>Counts a response; for a valid one, the request that takes its slot, else null.</summary>
            public byte[]? Answer(ReadOnlySpan<byte> response, Worker counters)
            {
                long sequence = Validate(response, _tag, _localPort);
                int slot = sequence >= 0 ? (int)(sequence % Size) : -1;
                if (slot < 0 || _outstanding[slot] != sequence)
                {
                    Volatile.Write(ref counters.Invalid, counters.Invalid + 1); // malformed, foreign, duplicate or late
                    return null;
                }
                Volatile.Write(ref counters.Valid, counters.Valid + 1);
                return Next(slot, sequence + Size);
            }

            /// <summary>Whether 50 ms have passed since the last <see cref="Sweep"/>.</summary>
            public bool SweepDue => Stopwatch.GetTimestamp() - _lastSweep >= _sweepEvery;

            /// <summary>Requests unanswered past the timeout count as lost and their slots send anew.</summary>
            public IEnumerable<byte[]> Sweep(Worker counters)
            {
                long now = Stopwatch.GetTimestamp();
                _lastSweep = now;
                for (int slot = 0; slot < Size; slot++)
                {
                    if (now - _sentAt[slot] < _timeoutTicks) continue;
                    Volatile.Write(ref counters.Lost, counters.Lost + 1);
                    yield return Next(slot, _outstanding[slot] + Size);
                }
            }
        }

        /// <summary>The sequence number of a valid Binding success response for this socket, or -1.</summary>
        private static long Validate(ReadOnlySpan<byte> message, uint tag, int localPort)
        {
            if (message.Length < HeaderLength) return -1;
            if (BinaryPrimitives.ReadUInt16BigEndian(message) != BindingSuccess) return -1;
            if (BinaryPrimitives.ReadUInt16BigEndian(message[2..]) + HeaderLength != message.Length) return -1;
            if (BinaryPrimitives.ReadUInt32BigEndian(message[4..]) != MagicCookie) return -1;
            if (BinaryPrimitives.ReadUInt32BigEndian(message[8..]) != tag) return -1;
            long sequence = BinaryPrimitives.ReadInt64BigEndian(message[12..]);

            // Walk the attributes to XOR-MAPPED-ADDRESS and check the port it reports (RFC 8489 §14.2).
            int offset = HeaderLength;
            while (message.Length - offset >= 4)
            {
                ushort type = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
                int length = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 2)..]);
                if (offset + 4 + length > message.Length) return -1;
                if (type == XorMappedAddress)
                {
                    if (length < 8) return -1;
                    int port = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 6)..]) ^ (int)(MagicCookie >> 16);
                    return port == localPort ? sequence : -1;
                }
                offset += 4 + ((length + 3) & ~3);
            }
            return -1;
        }
    }
}
