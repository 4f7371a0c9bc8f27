using System.Runtime.InteropServices;

namespace Confer.Transport.Native;

/// <summary>
/// <c>recvmmsg(2)</c> and <c>sendmmsg(2)</c> from the C library: many datagrams per system call. The layouts are
/// those of 64-bit Linux (LP64: x86-64 and arm64 share them); callers check <see cref="MmsgSupported"/> first.
/// </summary>
internal static unsafe partial class Libc
{
    /// <summary>recvmmsg: block for the first datagram only, then take what is already queued (linux/socket.h).</summary>
    public const int MsgWaitForOne = 0x10000;

    /// <summary>msg_flags bit: the datagram was longer than its buffer (linux/socket.h).</summary>
    public const int MsgTrunc = 0x20;

    /// <summary>The structures below have the 64-bit Linux layout; elsewhere the portable loop is used.</summary>
    public static bool MmsgSupported =>
        OperatingSystem.IsLinux() && Environment.Is64BitProcess &&
        RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary><c>struct iovec</c>: 16 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    /// <summary><c>struct msghdr</c>: 56 bytes (msg_namelen and msg_flags are followed by 4 bytes of padding).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public byte* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary><c>struct mmsghdr</c>: 64 bytes; <see cref="Length"/> is what the kernel received or sent.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    /// <summary>Room for any socket address (<c>struct sockaddr_storage</c>).</summary>
    public const int SockAddrStorageSize = 128;

    [LibraryImport(LibraryName, EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMmsg(nint fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport(LibraryName, EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMmsg(nint fd, MMsgHdr* messages, uint count, int flags);
}
