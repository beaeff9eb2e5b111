using Driver.Drm.Server;

namespace Driver.Drm.Tests.Server;

/// <summary>
/// A real process (Native/shim_client.c) under LD_PRELOAD of the shim, against a <see cref="DrmServer"/> over
/// <see cref="FakeDrmDriver"/>: device open, fstat, ioctls, fork and dup sharing, mmap, fence fds, debugfs/sysfs.
/// Every file a client opened is released once it has exited (drm_release at the last fput).
/// </summary>
public sealed class ShimEndToEndTests : IDisposable
{
    private readonly FakeDrmDriver _driver = new();
    private readonly DrmServer _server;

    public ShimEndToEndTests()
    {
        _server = new DrmServer(_driver, new DrmServerOptions { ArenaFd = _driver.ArenaFd });
    }

    public void Dispose()
    {
        _server.Dispose();
        _driver.Dispose();
    }

    private void Run(string scenario)
    {
        (int code, string output) = ShimClient.Scenario(_server.SocketPath, scenario);
        Assert.True(code == 0 && output.Contains($"ok {scenario}", StringComparison.Ordinal), $"exit {code}: {output}");
        // drm_release: every file the client opened is released once its last fd copy is gone (the client exited).
        Poll.Until(() => _driver.Releases == _driver.Opens && _server.OpenFiles == 0, "every file released",
            () => $"{_driver.Opens} opened, {_driver.Releases} released", Bound.Long);
    }

    [ShimFact]
    public void Open_stat_version_and_reopen_through_proc()
    {
        Run("basic");
        Assert.Equal(2, _driver.Opens); // /proc/self/fd/N re-open is a second file (drm_open again)
    }

    [ShimFact]
    public void Fork_and_dup_share_one_file_released_at_the_last_close()
    {
        Run("fork");
        Assert.Equal(1, _driver.Opens);
    }

    [ShimFact]
    public void Mmap_shares_arena_memory_both_ways() => Run("mmap");

    // i915_gem_mmap: the vma holds the object until vm_close (munmap, or the exit of the last process mapping it),
    // not the DRM file: the driver's hold ends at munmap in the scenario and at the exit for the mapping it leaves.
    [ShimFact]
    public void Mapping_hold_lasts_until_munmap_or_exit_not_the_file_close()
    {
        Run("unmap");
        Poll.Until(() => _driver.LiveMappings == 0, "the mapping left at exit dropped",
            () => $"{_driver.LiveMappings} live", Bound.Long);
    }

    [ShimFact]
    public void Fence_fd_polls_when_the_fence_signals_in_parent_and_child()
    {
        Run("fence");
        Assert.Equal(1, _server.SyncFilesCreated);
        // sync_file_release: the client and its child exited, their copies closed, and the server's entry went.
        Poll.Until(() => _server.SyncFilesLive == 0, "the fence fd released", () => $"{_server.SyncFilesLive} live", Bound.Long);
    }

    [ShimFact]
    public void Fence_fds_closed_are_released_and_a_fork_childs_copy_keeps_one_until_its_exit()
    {
        // sync_file_release at the last fput: 500 fds made and closed leave nothing in the server; a dup and then
        // a fork child's copy keep the file until the child exits (the client asks the count through a fake ioctl).
        _driver.LiveFenceFdsOf = () => _server.SyncFilesLive;
        Run("fenceclose");
        Assert.Equal(501, _server.SyncFilesCreated);
        Assert.Equal(0, _server.SyncFilesLive);
    }

    [ShimFact]
    public void Virtual_files_read_snapshots_and_writes_reach_the_driver()
    {
        Run("vfiles");
        Assert.Equal(1, _driver.Wedged);
    }

    [ShimFact]
    public void Driver_file_writes_by_FILE_reopen_pwrite_and_writev_reach_the_driver()
    {
        Run("vwrites");
        Assert.Equal(56, _driver.Wedged);
    }

    [ShimFact]
    public void A_blocking_ioctl_does_not_hold_up_another_thread() => Run("threads");

    [ShimFact]
    public void A_threads_channel_goes_with_the_thread()
    {
        // Threads share the process's fd table and an ioctl installs nothing in it (drm_ioctl runs in the caller's
        // task): 64 threads that each made an ioctl and exited leave the process's fd count as it was.
        Run("threadexit");
    }

    [ShimFact]
    public void A_signal_interrupts_a_blocked_ioctl_with_EINTR_and_SA_RESTART_waits_on()
    {
        // The shim's INTERRUPT ends the server's interruptible wait (signal_pending); -ERESTARTSYS reaches the caller
        // as EINTR. With SA_RESTART the kernel restarts the shim's recvmsg, as it would restart the ioctl.
        Run("intr");
        Assert.Equal(1, _driver.Interrupted);
    }

    [ShimFact]
    public void A_signal_handlers_ioctl_neither_waits_for_nor_takes_the_answer_of_the_ioctl_it_interrupted()
    {
        // drm_ioctl runs in the calling task whatever it interrupted: IGT's fatal_sig_handler runs exit handlers
        // (drmtest.c cancel_work_at_exit: i915_gem_drop_caches DROP_RESET_ACTIVE) on the thread a signal caught,
        // possibly blocked in an ioctl. The handler's FAKE_UNBLOCK must end the interrupted FAKE_BLOCK at once.
        Run("nested");
    }

    [ShimFact]
    public void A_mapping_hold_ends_when_its_last_page_goes_by_partial_munmaps_mremap_or_MAP_FIXED()
    {
        // i915_gem_vm_open/vm_close: a vma split by munmap, moved by mremap or replaced by MAP_FIXED drops its
        // object reference when each piece goes; the hold must not outlive the last mapped page (gem_mmap_offset
        // partial-unmap and partial-remap unmap a 2M mapping piecewise).
        Run("partialunmap");
        Assert.Equal(0, _driver.LiveMappings);
    }

    [ShimFact]
    public void Shutdown_of_a_DRM_fd_fails_ENOTSOCK_and_leaves_the_file()
    {
        // __sys_shutdown -> sockfd_lookup_light -> sock_from_file: a DRM file is no socket, -ENOTSOCK; the shim's
        // DRM fd is one, and its shutdown would end the file for every copy of the fd.
        Run("shutdown");
        Assert.Equal(1, _driver.Opens);
    }

    [ShimFact]
    public void Once_the_server_is_gone_ioctls_and_mmap_fail_ENODEV_not_EIO()
    {
        // drm_ioctl / drm_gem_mmap: drm_dev_is_unplugged -> -ENODEV. The client blocks a thread in FAKE_BLOCK; the
        // server goes away under it; the client then checks each call's errno (IGT reads EIO as a wedged GPU).
        Task<(int Code, string Output)> client = Task.Run(() => ShimClient.Scenario(_server.SocketPath, "servergone"));
        Poll.Until(() => _driver.BlockedCount == 1 || client.IsCompleted, "the client blocked in the server",
            () => client.IsCompleted ? client.Result.Output : "not yet", Bound.Long);
        _server.Dispose();
        _driver.EndBlocks();
        Assert.True(client.Wait(Bound.Long * 4), "the client did not finish");
        (int code, string output) = client.Result;
        Assert.True(code == 0 && output.Contains("ok servergone", StringComparison.Ordinal), $"exit {code}: {output}");
    }

    [ShimFact]
    public void Write_pwrite_and_writev_of_a_DRM_fd_fail_EINVAL()
    {
        // i915's file_operations have no write: vfs_write / vfs_writev fail -EINVAL (no FMODE_CAN_WRITE); pwrite goes
        // the same way (drm_open leaves FMODE_PWRITE). Before, the bytes went to the server as a malformed request and
        // write() returned 1.
        Run("drmwrite");
        Assert.Equal(1, _driver.Opens);
    }

    [ShimFact]
    public void Read_of_a_non_blocking_DRM_fd_with_no_event_fails_EAGAIN_and_a_blocking_one_waits()
    {
        // drm_read: an empty event list is -EAGAIN under O_NONBLOCK, else wait_event_interruptible (EINTR on a
        // signal). The client bounds each read with SIGALRM.
        Run("drmreadnonblock");
    }

    [ShimFact]
    public void Read_of_a_sync_file_fails_EINVAL_and_leaves_it_pollable()
    {
        // sync_file_fops has no read: vfs_read / vfs_readv fail -EINVAL; a read must not consume the pipe's
        // "signalled" byte, which poll() reports.
        Run("syncfileread");
    }

    [ShimFact]
    public void A_fork_child_holds_no_reply_channel_of_its_parents_threads()
    {
        // copy_process copies the calling thread only: the child must not keep the other threads' channels (their
        // server ends then see no EOF while it lives); it opens its own at its first ioctl.
        Run("forkchannels");
    }

    [ShimFact]
    public void An_exclusive_open_of_a_DRM_node_fails_EBUSY_and_opens_no_file()
    {
        // drm_open_helper: "no exclusive opens", -EBUSY before drm_file_alloc; the plain open after it is the one file.
        Run("excl");
        Assert.Equal(1, _driver.Opens);
    }

    [ShimFact]
    public void An_open_of_the_render_node_reaches_the_driver_with_its_minor()
    {
        // drm_open of renderD128 is a render client's (drm_is_render_client), which the driver needs to refuse
        // master ioctls: the server passes the node's minor.
        Run("render");
        Assert.Equal([0, 128], _driver.OpenedMinors);
    }

    [ShimFact]
    public void Wire_structs_have_the_sizes_the_server_reads()
    {
        // native/drm-shim/shim.h and ShimProtocol describe one format: compile the C side's sizeof and compare.
        string header = Path.Combine(RepoPaths.Root!, "native", "drm-shim", "shim.h");
        (int code, string output) = ShimClient.CompileAndRun(
            $"#include \"{header}\"\nint main(void) {{ printf(\"%zu %zu %zu %d\", sizeof(struct shim_request), sizeof(struct shim_reply), sizeof(struct shim_run), SHIM_FILE_PIPE_MODE); return 0; }}\n");
        Assert.True(code == 0, output);
        Assert.Equal($"{Driver.Drm.Server.ShimProtocol.RequestSize} {Driver.Drm.Server.ShimProtocol.ReplySize} {Driver.Drm.Server.ShimProtocol.RunSize} {Driver.Drm.Server.ShimProtocol.FilePipeMode}", output.Trim());
    }
}
