using System.Runtime.InteropServices;
using Driver.Drm.Server;
using Driver.Drm.Syncobj;

namespace Driver.Drm.Tests.Server;

/// <summary>syncobj fds as pipes: named by inode across dup (and so fork and SCM_RIGHTS), distinct from sync_files.</summary>
public sealed partial class SyncobjFileTableTests
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial int dup(int fd);

    [Fact]
    public void Fd_and_its_dup_name_the_syncobj_and_other_fds_do_not()
    {
        // drm_syncobj_fd_to_handle: the fd's file is the syncobj's; any other file (stdin, a sync_file) is not.
        var table = new SyncobjFileTable();
        var syncFiles = new SyncFileTable();
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
    public void Caller_installs_syncobj_fds_with_the_reply()
    {
        // drm_syncobj_get_fd: the new fd travels with the reply; its number goes where the driver asked.
        var caller = new ProcessCaller(Environment.ProcessId, new SyncFileTable(), new SyncobjFileTable());
        var syncobj = new DrmSyncobj();
        Assert.Equal(0, caller.InstallSyncobjFile(syncobj, 0x1234));
        Assert.Single(caller.Installed);
        Assert.Equal(0x1234ul, caller.Installed[0].Patch);
        Assert.Same(syncobj, caller.GetSyncobjFile(caller.Installed[0].Fd));
        caller.CloseInstalled();
        Assert.Empty(caller.Installed);
    }
}
