namespace Confer.Transport.Native;

/// <summary>The C library calls Confer makes itself on Linux (batched UDP, the epoll engine) and the errno values they report.</summary>
internal static partial class Libc
{
    private const string LibraryName = "libc";

    // errno values (asm-generic/errno-base.h, asm-generic/errno.h).
    public const int EIntr = 4, EBadF = 9, EAgain = 11, ENoSys = 38, ENotSock = 88, EOpNotSupp = 95,
        ENetUnreach = 101, EConnRefused = 111, EHostUnreach = 113;

    /// <summary>send flag: no SIGPIPE (linux/socket.h).</summary>
    public const int MsgNoSignal = 0x4000;
}
