using System.Runtime.InteropServices;

namespace Driver.Testing;

/// <summary>
/// A second MAP_SHARED mapping of a memfd (what a DRM client does with the arena fd it is given): dword reads and
/// writes by byte offset in the file, volatile, so stores cross to the simulator's own mapping and back.
/// </summary>
public sealed unsafe partial class SharedMapping : IDisposable
{
    private byte* _base;

    /// <summary>Maps <paramref name="length"/> bytes of <paramref name="fd"/> read-write, shared.</summary>
    public SharedMapping(int fd, long length)
    {
        nint address = Mmap(0, (nuint)length, 0x1 | 0x2, 0x01, fd, 0);
        if (address == -1)
        {
            throw new InvalidOperationException($"mmap of fd {fd} failed: errno {Marshal.GetLastPInvokeError()}");
        }

        _base = (byte*)address;
        Length = length;
    }

    /// <summary>Mapped length in bytes.</summary>
    public long Length { get; }

    /// <summary>The dword at byte <paramref name="offset"/> of the file.</summary>
    public uint Read(long offset) => Volatile.Read(ref *(uint*)(Base(offset)));

    /// <summary>Stores <paramref name="value"/> at byte <paramref name="offset"/> of the file.</summary>
    public void Write(long offset, uint value) => Volatile.Write(ref *(uint*)(Base(offset)), value);

    /// <summary>Unmaps (the test's own mapping; the simulator's stays).</summary>
    public void Dispose()
    {
        if (_base != null)
        {
            _ = Munmap((nint)_base, (nuint)Length);
            _base = null;
        }
    }

    private byte* Base(long offset)
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, Length - 4);
        return _base + offset;
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(nint address, nuint length);
}
