using System.Runtime.InteropServices;
using Driver.Core.Fences;
using Driver.Drm.Server;

namespace Driver.Drm.Tests.Server;

/// <summary>sync_file fds as pipes: named by inode, readable exactly once the fence signals.</summary>
public sealed partial class SyncFileTableTests
{
    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int poll(PollFd* fds, nuint count, int timeoutMs);

    private static unsafe bool Readable(int fd, int timeoutMs)
    {
        var p = new PollFd { Fd = fd, Events = 1 }; // POLLIN
        return poll(&p, 1, timeoutMs) == 1 && (p.Revents & 1) != 0;
    }

    [Fact]
    public void Pipe_polls_once_the_fence_signals_and_names_its_fence()
    {
        using var watch = new FdReleaseWatch();
        var table = new SyncFileTable(watch);
        var fence = new DmaFence(DmaFence.ContextAlloc(), 1);
        int fd = table.Create(fence);
        Assert.True(fd >= 0);
        try
        {
            Assert.Same(fence, table.Lookup(Environment.ProcessId, fd)); // sync_file_get_fence
            Assert.False(Readable(fd, 0)); // sync_file_poll: not signalled, no POLLIN
            fence.Signal();
            Assert.True(Readable(fd, (int)Bound.Long.TotalMilliseconds));
        }
        finally
        {
            LibC.close(fd);
        }
    }

    [Fact]
    public void A_signalled_fence_is_readable_at_once_and_other_fds_are_not_fences()
    {
        using var watch = new FdReleaseWatch();
        var table = new SyncFileTable(watch);
        var fence = new DmaFence(DmaFence.ContextAlloc(), 1);
        fence.Signal();
        int fd = table.Create(fence);
        try
        {
            Assert.True(Readable(fd, 0));
            Assert.Null(table.Lookup(Environment.ProcessId, 0)); // stdin is no sync_file
            Assert.Null(table.Lookup(Environment.ProcessId, -1));
        }
        finally
        {
            LibC.close(fd);
        }
    }

    [Fact]
    public unsafe void Caller_reads_and_writes_process_memory_and_faults_are_false()
    {
        using var watch = new FdReleaseWatch();
        var caller = new ProcessCaller(Environment.ProcessId, new SyncFileTable(watch));
        byte[] source = [1, 2, 3, 4];
        byte[] copy = new byte[4];
        fixed (byte* s = source)
        fixed (byte* d = copy)
        {
            Assert.True(caller.TryRead((ulong)s, copy));
            Assert.Equal(source, copy);
            Assert.True(caller.TryWrite((ulong)d, [9, 9]));
            Assert.Equal(9, copy[0]);
        }
        Assert.False(caller.TryRead(8, new byte[4])); // the zero page: copy_from_user faults
        Assert.False(caller.TryWrite(8, new byte[4]));
    }
}
