using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Confer.Transport.Native;

/// <summary>
/// Native memory for <see cref="Libc.RecvMmsg"/> / <see cref="Libc.SendMmsg"/>: <c>Count</c> message headers,
/// each with one buffer of <c>SlotSize</c> bytes and one socket address. The memory does not move, so the kernel
/// can be handed pointers into it; one thread owns an instance. Pages the kernel never writes stay untouched,
/// so large slots cost address space, not memory.
/// </summary>
internal sealed unsafe class MmsgBuffers : IDisposable
{
    private readonly byte* _memory;
    private readonly Libc.MMsgHdr* _headers;
    private readonly Libc.IoVec* _iov;
    private readonly byte* _names;
    private readonly byte* _data;
    private int _disposed;

    public MmsgBuffers(int count, int slotSize) : this(count, slotSize, 0)
    {
    }

    /// <summary>
    /// Slots whose first <paramref name="headRoom"/> bytes and last <paramref name="tailRoom"/> bytes the kernel never fills:
    /// room to write a header in front of a datagram and padding after it.
    /// </summary>
    public MmsgBuffers(int count, int slotSize, int headRoom, int tailRoom = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(headRoom);
        ArgumentOutOfRangeException.ThrowIfNegative(tailRoom);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(headRoom + tailRoom, slotSize);
        HeadRoom = headRoom;
        TailRoom = tailRoom;
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(slotSize, 1);
        Count = count;
        SlotSize = slotSize;
        nuint headers = (nuint)(count * sizeof(Libc.MMsgHdr));
        nuint iov = (nuint)(count * sizeof(Libc.IoVec));
        nuint names = (nuint)count * Libc.SockAddrStorageSize;
        nuint total = headers + iov + names + (nuint)count * (nuint)slotSize;
        _memory = (byte*)NativeMemory.AlignedAlloc(total, 64);
        _headers = (Libc.MMsgHdr*)_memory;
        _iov = (Libc.IoVec*)(_memory + headers);
        _names = _memory + headers + iov;
        _data = _names + names;
        NativeMemory.Clear(_memory, headers + iov + names);
        for (int i = 0; i < count; i++)
        {
            _iov[i].Base = _data + (nint)i * slotSize + headRoom;
            _headers[i].Header.Iov = &_iov[i];
            _headers[i].Header.IovLength = 1;
        }
        Reset(count);
    }

    public int Count { get; }

    public int SlotSize { get; }

    /// <summary>Bytes in front of each slot's received data (0 unless asked for).</summary>
    public int HeadRoom { get; }

    /// <summary>Bytes at the end of each slot the kernel never fills (0 unless asked for).</summary>
    public int TailRoom { get; }

    /// <summary>Makes the first <paramref name="count"/> slots ready to receive: whole buffer, whole address room.</summary>
    public void Reset(int count)
    {
        for (int i = 0; i < count; i++)
        {
            ref var header = ref _headers[i];
            header.Header.Name = _names + (nint)i * Libc.SockAddrStorageSize;
            header.Header.NameLength = Libc.SockAddrStorageSize;
            header.Header.Flags = 0;
            header.Length = 0;
            _iov[i].Length = (nuint)(SlotSize - HeadRoom - TailRoom);
        }
    }

    /// <summary>The bytes the kernel put in slot <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Received(int index) => new(_data + (nint)index * SlotSize + HeadRoom, (int)_headers[index].Length);

    /// <summary>How many bytes the kernel put in slot <paramref name="index"/>.</summary>
    public int ReceivedLength(int index) => (int)_headers[index].Length;

    /// <summary>The whole of slot <paramref name="index"/>: head room, then the received bytes, then the rest of the slot (at least the tail room).</summary>
    public Span<byte> Slot(int index) => new(_data + (nint)index * SlotSize, SlotSize);

    /// <summary>Whether the datagram in slot <paramref name="index"/> was cut to fit.</summary>
    public bool Truncated(int index) => (_headers[index].Header.Flags & Libc.MsgTrunc) != 0;

    /// <summary>Copies the source address of slot <paramref name="index"/> into <paramref name="address"/>; false when it is not of its family.</summary>
    /// <param name="anyFamily">Accept either family (<paramref name="address"/> must then have room for IPv6).</param>
    public bool TryCopyAddress(int index, SocketAddress address, bool anyFamily = false)
    {
        int length = (int)_headers[index].Header.NameLength;
        if (length < 2 || length > address.Buffer.Length) return false;
        var name = new ReadOnlySpan<byte>(_names + (nint)index * Libc.SockAddrStorageSize, length);
        // sa_family is the first two bytes, in host order on Linux.
        if (!anyFamily && MemoryMarshal.Read<ushort>(name) != (ushort)SocketAddressPal.Family(address.Family)) return false;
        name.CopyTo(address.Buffer.Span);
        address.Size = length;
        return true;
    }

    /// <summary>Fills slot <paramref name="index"/> for sending <paramref name="bytes"/> to <paramref name="destination"/>.</summary>
    public bool TrySet(int index, ReadOnlySpan<byte> bytes, SocketAddress destination)
    {
        if (bytes.Length > SlotSize || destination.Size > Libc.SockAddrStorageSize) return false;
        ref var header = ref _headers[index];
        var name = _names + (nint)index * Libc.SockAddrStorageSize;
        destination.Buffer.Span[..destination.Size].CopyTo(new Span<byte>(name, Libc.SockAddrStorageSize));
        header.Header.Name = name;
        header.Header.NameLength = (uint)destination.Size;
        header.Header.Flags = 0;
        header.Length = 0;
        bytes.CopyTo(new Span<byte>(_data + (nint)index * SlotSize, SlotSize));
        _iov[index].Length = (nuint)bytes.Length;
        return true;
    }

    /// <summary>
    /// <c>recvmmsg</c> into the first <paramref name="count"/> slots (made ready by <see cref="Reset"/>): waits for one
    /// datagram, then takes those already queued. Returns how many came, or -1 with the errno in <paramref name="error"/>.
    /// Throws <see cref="ObjectDisposedException"/> once the socket is closed.
    /// </summary>
    public int Receive(SafeSocketHandle socket, int count, out int error)
    {
        bool added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            int n = Libc.RecvMmsg(socket.DangerousGetHandle(), _headers, (uint)count, Libc.MsgWaitForOne, null);
            error = n < 0 ? Marshal.GetLastPInvokeError() : 0;
            return n;
        }
        finally
        {
            if (added) socket.DangerousRelease();
        }
    }

    /// <summary>
    /// <c>sendmmsg</c> of slots <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1 (filled by
    /// <see cref="TrySet"/>). Returns how many the kernel took, or -1 with the errno in <paramref name="error"/>.
    /// </summary>
    public int Send(SafeSocketHandle socket, int first, int count, out int error)
    {
        bool added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            int n = Libc.SendMmsg(socket.DangerousGetHandle(), _headers + first, (uint)count, 0);
            error = n < 0 ? Marshal.GetLastPInvokeError() : 0;
            return n;
        }
        finally
        {
            if (added) socket.DangerousRelease();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) NativeMemory.AlignedFree(_memory);
    }

    /// <summary>Linux address family numbers (AF_INET 2, AF_INET6 10), which differ from .NET's enum for IPv6.</summary>
    private static class SocketAddressPal
    {
        public static int Family(AddressFamily family) => family switch
        {
            AddressFamily.InterNetwork => 2,
            AddressFamily.InterNetworkV6 => 10,
            _ => -1,
        };
    }
}
