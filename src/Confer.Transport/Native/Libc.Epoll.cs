using System.Runtime.InteropServices;

namespace Confer.Transport.Native;

/// <summary>
/// Linux epoll(7), eventfd(2), recvfrom(2) and sendto(2), for the epoll engine. Only used on Linux x64, where <c>struct epoll_event</c> is
/// packed to 12 bytes (4 bytes of events, 8 bytes of user data); other platforms keep the portable receive loop.
/// </summary>
internal static unsafe partial class Libc
{
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const uint EpollIn = 0x001;
    public const uint EpollErr = 0x008;
    public const uint EpollHup = 0x010;
    public const int EpollCloExec = 0x80000;

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport(LibraryName, SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport(LibraryName, SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport(LibraryName, SetLastError = true)]
    public static partial int epoll_wait(int epfd, EpollEvent* events, int maxEvents, int timeout);

    [LibraryImport(LibraryName, SetLastError = true)]
    public static partial nint recvfrom(int fd, byte* buffer, nuint length, int flags, byte* address, uint* addressLength);

    [LibraryImport(LibraryName, SetLastError = true)]
    public static partial nint sendto(int fd, byte* buffer, nuint length, int flags, byte* address, uint addressLength);

    [LibraryImport(LibraryName, SetLastError = true)]
    public static partial int close(int fd);

    public const int EfdNonBlock = 0x800, EfdCloExec = 0x80000;

    /// <summary>eventfd(2): a counter another thread can bump to wake an <c>epoll_wait</c>.</summary>
    [LibraryImport(LibraryName, SetLastError = true)]
    public static partial int eventfd(uint initial, int flags);

    [LibraryImport(LibraryName, SetLastError = true)]
    public static partial nint read(int fd, void* buffer, nuint count);

    [LibraryImport(LibraryName, SetLastError = true)]
    public static partial nint write(int fd, void* buffer, nuint count);
}
