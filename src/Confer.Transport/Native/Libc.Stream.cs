using System.Runtime.InteropServices;

namespace Confer.Transport.Native;

/// <summary><c>recv(2)</c> and <c>send(2)</c> on non-blocking TCP sockets, and the epoll bits for waiting until one is writable.</summary>
internal static unsafe partial class Libc
{
    public const int EpollCtlMod = 3;
    public const uint EpollOut = 0x004;

    public const int EPipe = 32, EConnReset = 104;

    [LibraryImport(LibraryName, SetLastError = true)]
    public static partial nint recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(LibraryName, SetLastError = true)]
    public static partial nint send(int fd, byte* buffer, nuint length, int flags);
}

/// <summary><c>getrlimit(2)</c>: the file descriptor limit that sizes the connection cap.</summary>
internal static partial class Libc
{
    public const int RlimitNoFile = 7;

    [StructLayout(LayoutKind.Sequential)]
    public struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport(LibraryName, SetLastError = true)]
    public static partial int getrlimit(int resource, out RLimit limit);
}
