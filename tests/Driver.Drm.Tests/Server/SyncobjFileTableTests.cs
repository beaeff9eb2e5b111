using System.Runtime.InteropServices;
using Driver.Drm.Server;
using Driver.Drm.Syncobj;

namespace Driver.Drm.Tests.Server;

/// <summary>syncobj fds as pipes: named by inode across dup (and so fork and SCM_RIGHTS), distinct from sync_files.</summary>
public sealed partial class SyncobjFileTableTests
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial int dup(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint mmap(nint address, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mprotect(nint address, nuint length, int prot);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int munmap(nint address, nuint length);

    [Fact]
    public void Fd_and_its_dup_name_the_syncobj_and_other_fds_do_not()
    {
        // drm_syncobj_fd_to_handle: the fd's file is the syncobj's; any other file (stdin, a sync_file) is not.
        using var watch = new FdReleaseWatch();
        var table = new SyncobjFileTable(watch);
        var syncFiles = new SyncFileTable(watch);
        var syncobj = new DrmSyncobj();
        int fd = table.Create(syncobj);
        Assert.True(fd >= 0);
        int copy = dup(fd);
        int fenceFd = syncFiles.Create(new Driver.Core.Fences.DmaFence());
        try
        {
            Assert.Same(syncobj, table.Lookup(Environment.ProcessId, fd));
            Assert.Same(syncobj, table.Lookup(Environment.ProcessId, copy));
            Assert.Null(table.Lookup(Environment.ProcessId, 0));
            Assert.Null(table.Lookup(Environment.ProcessId, -1));
            Assert.Null(table.Lookup(Environment.ProcessId, fenceFd));
            Assert.Null(syncFiles.Lookup(Environment.ProcessId, fd));
            Assert.Equal(1, table.Count);
        }
        finally
        {
            LibC.close(fd);
            LibC.close(copy);
            LibC.close(fenceFd);
        }
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Syncobj_and_sync_file_pipes_carry_the_mode_the_shim_refuses_reads_of()
    {
        // drm_syncobj_file_fops and sync_file_fops have no read: the shim knows the server's pipes by their mode
        // (ShimProtocol.FilePipeMode, where pipe(2) makes 0600) and fails a read of one EINVAL.
        using var watch = new FdReleaseWatch();
        int syncobjFd = new SyncobjFileTable(watch).Create(new DrmSyncobj());
        int fenceFd = new SyncFileTable(watch).Create(new Driver.Core.Fences.DmaFence());
        try
        {
            Assert.True(syncobjFd >= 0 && fenceFd >= 0);
            Assert.Equal((UnixFileMode)ShimProtocol.FilePipeMode, File.GetUnixFileMode($"/proc/self/fd/{syncobjFd}"));
            Assert.Equal((UnixFileMode)ShimProtocol.FilePipeMode, File.GetUnixFileMode($"/proc/self/fd/{fenceFd}"));
        }
        finally
        {
            LibC.close(syncobjFd);
            LibC.close(fenceFd);
        }
    }

    [Fact]
    public void Caller_installs_syncobj_fds_with_the_reply()
    {
        // drm_syncobj_get_fd: the new fd travels with the reply; its number goes where the driver asked.
        using var watch = new FdReleaseWatch();
        var caller = new ProcessCaller(Environment.ProcessId, new SyncFileTable(watch), new SyncobjFileTable(watch));
        var syncobj = new DrmSyncobj();
        Assert.Equal(0, caller.InstallSyncobjFile(syncobj, 0x1234));
        Assert.Single(caller.Installed);
        Assert.Equal(0x1234ul, caller.Installed[0].Patch);
        Assert.Same(syncobj, caller.GetSyncobjFile(caller.Installed[0].Fd));
        caller.CloseInstalled();
        Assert.Empty(caller.Installed);
    }

    [Fact]
    public unsafe void Caller_reads_write_only_mappings_as_copy_from_user_does_and_faults_on_prot_none()
    {
        // copy_from_user on x86 reads a PROT_WRITE-only page (test_invalid_fence_array's fence page: -ENOENT, not
        // -EFAULT); PROT_NONE faults.
        const int ProtNone = 0, ProtRead = 1, ProtWrite = 2, MapSharedAnon = 0x01 | 0x20;
        nint page = mmap(0, 8192, ProtWrite, MapSharedAnon, -1, 0);
        Assert.NotEqual(-1, page);
        try
        {
            Assert.Equal(0, mprotect(page + 4096, 4096, ProtNone)); // a guard page right after
            ((byte*)page)[5] = 42;
            using var watch = new FdReleaseWatch();
            var caller = new ProcessCaller(Environment.ProcessId, new SyncFileTable(watch));
            byte[] copy = new byte[8];
            Assert.True(caller.TryRead((ulong)page, copy));
            Assert.Equal(42, copy[5]);
            Assert.False(caller.TryRead((ulong)page + 4090, copy)); // runs into the guard page
            Assert.Equal(0, mprotect(page, 4096, ProtRead));
            Assert.True(caller.TryRead((ulong)page, copy));
            Assert.False(caller.TryWrite((ulong)page, copy)); // copy_to_user needs a writable page
            Assert.Equal(0, mprotect(page, 4096, ProtNone));
            Assert.False(caller.TryRead((ulong)page, copy));
        }
        finally
        {
            munmap(page, 8192);
        }
    }
}
