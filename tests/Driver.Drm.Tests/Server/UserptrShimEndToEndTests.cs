using Driver.Drm.I915;
using Driver.Drm.Server;
using Driver.Drm.SwSync;
using Driver.Testing.Devices;

namespace Driver.Drm.Tests.Server;

/// <summary>
/// A real process (Native/userptr_client.c) under the shim against a server with the i915 driver (arena-backed) and
/// sw_sync on its minor, as gpusim igt-run sets them up: GEM_USERPTR's pages shared both ways between the process
/// and the GPU, and sw_sync timelines signalling sync_file fds.
/// </summary>
public sealed class UserptrShimEndToEndTests : IDisposable
{
    private readonly TestDevice _device = TestDevice.Fast();
    private readonly I915Driver _i915;
    private readonly SwSyncDriver _swSync = new();
    private readonly DrmServer _server;

    public UserptrShimEndToEndTests()
    {
        _i915 = new I915Driver(_device.Dev, new I915DriverOptions { MemoryMap = new ArenaGemMemoryMap() });
        _server = new DrmServer(_i915, new DrmServerOptions
        {
            ArenaFd = _device.Dev.Gt.Memory.ArenaFd,
            MinorDrivers = new Dictionary<int, IDrmDriver> { [SwSyncDriver.Minor] = _swSync },
        });
    }

    public void Dispose()
    {
        _server.Dispose();
        _swSync.Dispose();
        _i915.Dispose();
        _device.Dispose();
    }

    private void Run(string scenario)
    {
        (int code, string output) = ShimClient.Other("userptr_client", _server.SocketPath, scenario);
        Assert.True(code == 0 && output.Contains($"ok {scenario}", StringComparison.Ordinal), $"exit {code}: {output}");
        Poll.Until(() => _server.OpenFiles == 0, "every file released", () => $"{_server.OpenFiles} open", Bound.Long);
    }

    // i915_gem_userptr_ioctl's errnos through the shim, then pin_user_pages' sharing: a batch the CPU wrote through
    // the user pointer runs (a GPU read of CPU stores) and its MI_STORE_DWORD is read through the pointer (a CPU read
    // of GPU stores). The range's mapping held the object until the client's munmap.
    [ShimFact]
    public void Userptr_pages_are_the_processs_pages_both_ways()
    {
        Run("userptr");
        Poll.Until(() => _device.Dev.HeldObjects == 0, "the userptr range's hold dropped at munmap",
            () => $"{_device.Dev.HeldObjects} held", Bound.Long);
    }

    // fork after GEM_USERPTR: the kernel's fork gives the child copy-on-write pages of a private range (the object keeps
    // the parent's pinned ones) and shares a MAP_SHARED one. The shim's shared arena mapping over a private heap page
    // used to stay shared, so a child's malloc wrote into the parent's heap (gem_exec_capture@pi after @userptr).
    [ShimFact]
    public void A_fork_child_gets_its_own_copy_of_a_private_userptr_range()
    {
        Run("userptrfork");
    }

    // sw_sync_ioctl_create_fence / sw_sync_ioctl_inc / sw_sync_debugfs_release through the shim: sync_file fds poll
    // ready as the timeline reaches them, -ENOTTY / -EFAULT, and the timeline's close signals the rest -ENOENT.
    [ShimFact]
    public void Sw_sync_timeline_signals_its_sync_files_as_it_advances()
    {
        Run("swsync");
        Assert.Equal(0, _swSync.OpenTimelines);
    }
}
