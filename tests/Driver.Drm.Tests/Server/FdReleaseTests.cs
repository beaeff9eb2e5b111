using System.Runtime.InteropServices;
using Driver.Core.Fences;
using Driver.Core.Memory;
using Driver.Core.Prime;
using Driver.Drm.Server;
using Driver.Drm.Syncobj;

namespace Driver.Drm.Tests.Server;

/// <summary>
/// The release of the pipe fds the server hands out (sync_file, dma-buf, syncobj): the table drops its entry, and its
/// reference, once the last copy of the read end is closed, as the kernel frees the file at its last fput
/// (sync_file_release, dma_buf_release, drm_syncobj_file_release); a dup'd copy keeps it, as it keeps the file.
/// </summary>
public sealed partial class FdReleaseTests : IDisposable
{
    private readonly FdReleaseWatch _watch = new();

    public void Dispose() => _watch.Dispose();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int dup(int fd);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int poll(PollFd* fds, nuint count, int timeoutMs);

    private static unsafe short Revents(int fd, int timeoutMs)
    {
        var p = new PollFd { Fd = fd, Events = 1 }; // POLLIN
        return poll(&p, 1, timeoutMs) == 1 ? p.Revents : (short)0;
    }

    private static unsafe (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        Assert.Equal(0, LibC.pipe2(fds, LibC.OCloexec));
        return (fds[0], fds[1]);
    }

    /// <summary>Dups <paramref name="fd"/> and closes the two one after the other: the entry outlives the first close,
    /// not the second.</summary>
    private void CloseCopiesAndSeeRelease(int fd, Func<int, bool> named, Func<int> live)
    {
        int copy = dup(fd);
        Assert.True(copy >= 0);
        Assert.Equal(1, live());
        LibC.close(fd);
        // The dup is the same open file: the pipe still has a reader, and no release comes within the bound.
        Assert.False(Poll.TryUntil(() => live() == 0, Bound.Short), "released with a copy still open");
        Assert.True(named(copy), "the dup no longer names the object");
        LibC.close(copy);
        Poll.Until(() => live() == 0, "the entry dropped at the last close", () => $"{live()} live", Bound.Long);
        Poll.Until(() => _watch.Count == 0, "the write end closed", () => $"{_watch.Count} watched", Bound.Long);
        Assert.False(named(copy)); // closed: nothing behind the number
    }

    [Fact]
    public void Sync_file_entry_goes_at_the_last_close_of_its_fd_not_before()
    {
        // sync_file_release runs at the last fput: a dup keeps the file, and the fence with it.
        var table = new SyncFileTable(_watch);
        var fence = new DmaFence(DmaFence.ContextAlloc(), 1);
        int fd = table.Create(fence);
        Assert.True(fd >= 0);
        CloseCopiesAndSeeRelease(fd, n => table.Lookup(Environment.ProcessId, n) == fence, () => table.LiveCount);
        Assert.Equal(1, table.Count); // handed out so far: the release does not take it back
        Assert.Equal(0, fence.PendingCallbacks); // sync_file_release: dma_fence_remove_callback
        Assert.True(fence.Signal());
    }

    [Fact]
    public void Dma_buf_entry_goes_at_the_last_close_of_its_fd_not_before()
    {
        // dma_buf_release: the exported buffer's file goes with its last fd.
        var table = new SyncFileTable(_watch);
        var buf = new DmaBuf(new BufferObject(new DeviceMemory(4 * 4096), 4096, BoFlags.None));
        int fd = table.CreateDmaBuf(buf);
        Assert.True(fd >= 0);
        CloseCopiesAndSeeRelease(fd, n => table.LookupDmaBuf(Environment.ProcessId, n, out DmaBuf? b) == 0 && b == buf,
            () => table.LiveDmaBufCount);
        Assert.Equal(1, table.DmaBufCount);
        Assert.Equal(0, table.LiveCount);
    }

    [Fact]
    public void Syncobj_fd_entry_goes_at_the_last_close_of_its_fd_not_before()
    {
        // drm_syncobj_file_release drops the file's syncobj reference at the last fput.
        var table = new SyncobjFileTable(_watch);
        var syncobj = new DrmSyncobj();
        int fd = table.Create(syncobj);
        Assert.True(fd >= 0);
        CloseCopiesAndSeeRelease(fd, n => table.Lookup(Environment.ProcessId, n) == syncobj, () => table.LiveCount);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Dma_buf_and_syncobj_fds_poll_ready_at_once()
    {
        // dma_buf_poll: no unsignalled fence, so ready; the syncobj file has no poll: the default mask, ready.
        var syncFiles = new SyncFileTable(_watch);
        var syncobjs = new SyncobjFileTable(_watch);
        int buf = syncFiles.CreateDmaBuf(new DmaBuf(new BufferObject(new DeviceMemory(4 * 4096), 4096, BoFlags.None)));
        int syncobj = syncobjs.Create(new DrmSyncobj());
        try
        {
            Assert.Equal(1, Revents(buf, 0)); // POLLIN
            Assert.Equal(1, Revents(syncobj, 0));
        }
        finally
        {
            LibC.close(buf);
            LibC.close(syncobj);
        }
    }

    [Fact]
    public void A_fence_whose_fd_was_released_signals_once_and_writes_into_no_reused_fd()
    {
        // sync_file_release drops the callback, not the fence: the fence still signals, once, and its byte goes
        // nowhere, not into a new pipe that got the released write end's number.
        var table = new SyncFileTable(_watch);
        var fence = new DmaFence(DmaFence.ContextAlloc(), 1);
        int fd = table.Create(fence);
        LibC.close(fd);
        Poll.Until(() => table.LiveCount == 0 && _watch.Count == 0, "the sync_file released", () => $"{table.LiveCount} live", Bound.Long);
        (int read, int write) = Pipe(); // the lowest free numbers: most likely the released pipe's
        try
        {
            Assert.True(fence.Signal());
            Assert.Equal(1, fence.Status); // signalled, no error
            Assert.Equal(1, fence.SignalAttempts);
            Assert.Equal(0, Revents(read, 0)); // nothing was written into the new pipe
        }
        finally
        {
            LibC.close(read);
            LibC.close(write);
        }
    }

    [Fact]
    public void A_closed_write_end_writes_nothing_even_when_its_number_is_reused()
    {
        // The guard the release relies on: a write after the close is refused, whatever the number names now.
        (int read, int write) = Pipe();
        var end = new PipeWriteEnd(write);
        LibC.close(read);
        end.Close();
        Assert.True(end.IsClosed);
        (int read2, int write2) = Pipe();
        try
        {
            Assert.False(end.WriteByte());
            Assert.Equal(0, Revents(read2, 0));
        }
        finally
        {
            LibC.close(read2);
            LibC.close(write2);
        }
    }

    [Fact]
    public void A_signalled_fence_still_polls_while_a_copy_is_open_after_the_signal()
    {
        // The byte stays readable for every copy after the signal: the write end is kept, not closed at the signal.
        var table = new SyncFileTable(_watch);
        var fence = new DmaFence(DmaFence.ContextAlloc(), 1);
        int fd = table.Create(fence);
        fence.Signal();
        int copy = dup(fd);
        LibC.close(fd);
        try
        {
            Assert.Equal(1, Revents(copy, (int)Bound.Long.TotalMilliseconds)); // POLLIN, no POLLHUP
            Assert.Equal(1, table.LiveCount);
        }
        finally
        {
            LibC.close(copy);
        }
        Poll.Until(() => table.LiveCount == 0, "the sync_file released", () => $"{table.LiveCount} live", Bound.Long);
    }

    [Fact]
    public void Fences_signalled_while_their_fds_close_each_signal_once_and_leave_nothing()
    {
        // The fence callback (signalling thread) against the release (watch thread): every fence signals exactly
        // once, no write lands after a close (the Debug.Assert in PipeWriteEnd.Close turns a double close into a
        // failure), and every entry goes.
        const int N = 2000;
        var table = new SyncFileTable(_watch);
        var fences = new DmaFence[N];
        int[] fds = new int[N];
        for (int i = 0; i < N; i++)
        {
            fences[i] = new DmaFence(DmaFence.ContextAlloc(), 1);
            fds[i] = table.Create(fences[i]);
            Assert.True(fds[i] >= 0);
        }
        var signaller = new Thread(() =>
        {
            foreach (DmaFence f in fences)
            {
                f.Signal();
            }
        });
        signaller.Start();
        foreach (int fd in fds)
        {
            LibC.close(fd);
        }
        Assert.True(signaller.Join(Bound.Long), "the signaller did not finish");
        Poll.Until(() => table.LiveCount == 0 && _watch.Count == 0, "every sync_file released",
            () => $"{table.LiveCount} live, {_watch.Count} watched", Bound.Long);
        Assert.All(fences, f => Assert.Equal(1, f.SignalAttempts));
        Assert.All(fences, f => Assert.Equal(0, f.PendingCallbacks));
        Assert.Equal(N, _watch.Released);
    }

    [Fact]
    public void Ten_thousand_fence_fds_made_and_closed_leave_no_entry()
    {
        // gem_exec_fence makes thousands of fence fds in one run: the table must not grow with them.
        const int N = 10_000;
        var table = new SyncFileTable(_watch);
        var fence = new DmaFence(DmaFence.ContextAlloc(), 1);
        for (int i = 0; i < N; i++)
        {
            int fd = table.Create(i % 2 == 0 ? fence : new DmaFence(DmaFence.ContextAlloc(), 1));
            Assert.True(fd >= 0, $"create {i}: errno {-fd}");
            LibC.close(fd);
        }
        Poll.Until(() => table.LiveCount == 0 && _watch.Count == 0, "every sync_file released",
            () => $"{table.LiveCount} live, {_watch.Count} watched", Bound.Long);
        Assert.Equal(N, table.Count);
        Assert.Equal(N, _watch.Released);
        Assert.Equal(0, fence.PendingCallbacks); // 5000 callbacks added to one fence, all removed at release
    }

    [Fact]
    public void Dispose_stops_the_watch_and_releases_what_is_left()
    {
        // The server's exit: every pipe still handed out is released, and its readers see the writer gone.
        var watch = new FdReleaseWatch();
        var table = new SyncobjFileTable(watch);
        int fd = table.Create(new DrmSyncobj());
        try
        {
            watch.Dispose();
            Assert.Equal(0, table.LiveCount);
            Assert.Equal(0, watch.Count);
            Assert.Equal(0x10, Revents(fd, 0) & 0x10); // POLLHUP: no writer left
            Assert.True(table.Create(new DrmSyncobj()) < 0); // nothing more is handed out
            Assert.Equal(1, table.Count);
        }
        finally
        {
            LibC.close(fd);
        }
    }
}
