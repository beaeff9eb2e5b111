using System.Runtime.InteropServices;

namespace Driver.Core.Memory;

/// <summary>The few libc calls the shared page arena needs (Linux only; callers check the platform first).</summary>
internal static unsafe partial class LibC
{
    /// <summary>memfd_create: MFD_CLOEXEC, so a child the simulator spawns gets the fd only when it is passed on purpose.</summary>
    public const uint MfdCloexec = 0x1;

    /// <summary>PROT_READ | PROT_WRITE.</summary>
    public const int ProtReadWrite = 0x1 | 0x2;

    /// <summary>MAP_SHARED: stores are the file's, seen by every other mapping of it.</summary>
    public const int MapShared = 0x01;

    /// <summary>FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE: frees the range's pages; the range then reads zeros.</summary>
    public const int FallocPunchHole = 0x01 | 0x02;

    /// <summary>mmap's MAP_FAILED.</summary>
    public static readonly nint MapFailed = -1;

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    public static partial int Fallocate(int fd, int mode, long offset, long length);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint address, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
