using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

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
/// has outstanding and whose XOR-MAPPED-ADDRESS carries the socket's own port. A request unanswered after
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
            int window = settings.Window;
            using var socket = new Socket(settings.Target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.ReceiveBufferSize = 1 << 20;
            socket.SendBufferSize = 1 << 20;
            socket.ReceiveTimeout = 20; // ms: how often a silent socket looks for lost requests and the stop flag
            socket.Connect(settings.Target);
            int localPort = ((IPEndPoint)socket.LocalEndPoint!).Port;

            var request = new byte[HeaderLength];
            BinaryPrimitives.WriteUInt16BigEndian(request, BindingRequest);
            BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(2), 0);
            BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(4), MagicCookie);
            BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(8), tag);
            var response = new byte[1500];

            // Slot s holds sequence numbers s, s+W, s+2W…: the outstanding one and when it was sent.
            var outstanding = new long[window];
            var sentAt = new long[window];
            long timeoutTicks = (long)(settings.ResponseTimeout.TotalSeconds * Stopwatch.Frequency);
            long sweepEvery = Stopwatch.Frequency / 20;
            for (int slot = 0; slot < window; slot++) Send(slot, slot);
            long lastSweep = Stopwatch.GetTimestamp();

            while (!owner._stopping)
            {
                int received = 0;
                try
                {
                    received = socket.Receive(response);
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
                {
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
                {
                    Interlocked.Increment(ref SendErrors); // ICMP port unreachable: nothing listens there
                    Thread.Sleep(1);
                }

                if (received > 0)
                {
                    long sequence = Validate(response.AsSpan(0, received), tag, localPort);
                    int slot = sequence >= 0 ? (int)(sequence % window) : -1;
                    if (slot >= 0 && outstanding[slot] == sequence)
                    {
                        Volatile.Write(ref Valid, Valid + 1);
                        Send(slot, sequence + window);
                    }
                    else
                    {
                        Volatile.Write(ref Invalid, Invalid + 1); // malformed, foreign, duplicate or late
                    }
                }

                long now = Stopwatch.GetTimestamp();
                if (now - lastSweep >= sweepEvery)
                {
                    lastSweep = now;
                    for (int slot = 0; slot < window; slot++)
                    {
                        if (now - sentAt[slot] < timeoutTicks) continue;
                        Volatile.Write(ref Lost, Lost + 1);
                        Send(slot, outstanding[slot] + window);
                    }
                }
            }

            void Send(int slot, long sequence)
            {
                outstanding[slot] = sequence;
                sentAt[slot] = Stopwatch.GetTimestamp();
                BinaryPrimitives.WriteInt64BigEndian(request.AsSpan(12), sequence);
                try
                {
                    socket.Send(request);
                }
                catch (SocketException)
                {
                    Interlocked.Increment(ref SendErrors); // the sweep will send this slot again
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
