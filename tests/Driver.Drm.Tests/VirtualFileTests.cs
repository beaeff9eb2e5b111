using System.Text;
using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Drm.I915;
using Driver.Drm.Tests.Support;

namespace Driver.Drm.Tests;

/// <summary>debugfs, sysfs and module-parameter files, served live from the device.</summary>
public class VirtualFileTests
{
    private static string Read(DrmHarness h, string path)
    {
        Assert.Equal(0, h.Driver.ReadVirtualFile(path, out byte[] content));
        return Encoding.ASCII.GetString(content);
    }

    private static int Write(DrmHarness h, string path, string text) => h.Driver.WriteVirtualFile(path, Encoding.ASCII.GetBytes(text));

    [Fact]
    public void TigerLakeHasNoCcs0InSysfsNorInEngineInfo()
    {
        // The trees follow the part's engines: Tiger Lake has no compute engine, so no engine/ccs0 directory (its
        // files ENOENT) and no ccs0 in i915_engine_info, though the simulated device behind the driver has one.
        using var h = DrmHarness.Fast();
        Assert.DoesNotContain(h.Driver.VirtualFiles, f => f.StartsWith("sysfs/engine/ccs0/", StringComparison.Ordinal));
        Assert.Contains("sysfs/engine/vecs0/name", h.Driver.VirtualFiles);
        Assert.Equal(-Errno.ENOENT, h.Driver.ReadVirtualFile("sysfs/engine/ccs0/name", out _));
        Assert.Equal(-Errno.ENOENT, Write(h, "sysfs/engine/ccs0/heartbeat_interval_ms", "100"));
        string info = Read(h, "debugfs/i915_engine_info");
        Assert.Contains("vecs0", info);
        Assert.DoesNotContain("ccs0", info);

        using var withCompute = DrmHarness.Fast(new I915DriverOptions { Engines = EngineIds.All });
        Assert.Equal("ccs0\n", Read(withCompute, "sysfs/engine/ccs0/name"));
    }

    [Fact]
    public void WedgeThroughI915WedgedMakesThrottleEio()
    {
        // gem_eio's wedge: reset=0, then the engine mask -1 to i915_wedged (intel_gt_handle_error with resets off
        // wedges); i915_gem_throttle_ioctl then -EIO; DROP_RESET_ACTIVE brings the GT back once resets are on.
        using var h = DrmHarness.Fast();
        Assert.Equal("0\n", Read(h, "debugfs/i915_wedged"));
        Assert.Equal(2, Write(h, "debugfs/i915_params/reset", "0\n"));
        Assert.Equal(20, Write(h, "debugfs/i915_wedged", "18446744073709551615"));
        Assert.True(h.Dev.IsWedged);
        Assert.Equal("1\n", Read(h, "debugfs/i915_wedged"));
        Assert.Equal(-Errno.EIO, h.Ioctl(Requests.GemThrottle, DrmHarness.Arg(0)));

        Write(h, "debugfs/i915_params/reset", "4294967295");
        Assert.Equal("4294967295\n", Read(h, "debugfs/i915_params/reset"));
        Assert.Equal(4, Write(h, "debugfs/i915_gem_drop_caches", "0x80"));
        Assert.False(h.Dev.IsWedged);
        Assert.Equal(0, h.Ioctl(Requests.GemThrottle, DrmHarness.Arg(0)));
    }

    [Fact]
    public void WedgedAndDropCachesRefuseNonNumbers()
    {
        // simple_attr_write: kstrtoull fails -EINVAL.
        using var h = DrmHarness.Fast();
        Assert.Equal(-Errno.EINVAL, Write(h, "debugfs/i915_wedged", "-1"));
        Assert.Equal(-Errno.EINVAL, Write(h, "debugfs/i915_gem_drop_caches", "all"));
        Assert.Equal("0x000003ff\n", Read(h, "debugfs/i915_gem_drop_caches"));
    }

    [Fact]
    public void EngineFilesChangeTheDeviceAndDefaultsStay()
    {
        // intel_engine_sysfs: stores change the engine; .defaults keep the boot values and are read-only; a
        // negative number -EINVAL (kstrtoull); max_busywait past two jiffies -EINVAL.
        using var h = DrmHarness.Fast();
        string dir = "sysfs/engine/rcs0/";
        string boot = Read(h, dir + "heartbeat_interval_ms");
        Assert.Equal(3, Write(h, dir + "heartbeat_interval_ms", "123"));
        Assert.Equal(TimeSpan.FromMilliseconds(123), h.Dev.GetHeartbeatInterval(EngineId.Rcs0));
        Assert.Equal("123\n", Read(h, dir + "heartbeat_interval_ms"));
        Assert.Equal(boot, Read(h, dir + ".defaults/heartbeat_interval_ms"));
        Assert.Equal(-Errno.EACCES, Write(h, dir + ".defaults/heartbeat_interval_ms", "5"));
        Assert.Equal(-Errno.EINVAL, Write(h, dir + "heartbeat_interval_ms", "-1"));
        Assert.Equal(-Errno.EINVAL, Write(h, dir + "max_busywait_duration_ns", "9000000"));
        Assert.Equal(2, Write(h, dir + "preempt_timeout_ms", "77"));
        Assert.Equal(TimeSpan.FromMilliseconds(77), h.Dev.GetPreemptTimeout(EngineId.Rcs0));
        Assert.Equal("rcs0\n", Read(h, dir + "name"));
        Assert.Equal("1\n", Read(h, "sysfs/engine/bcs0/class"));
    }

    [Fact]
    public void HeartbeatOffWithoutEngineResetIsEnodev()
    {
        // intel_engine_set_heartbeat: 0 without preempt-reset -ENODEV.
        using var h = DrmHarness.Fast();
        Write(h, "module/reset", "1");
        Assert.Equal(-Errno.ENODEV, Write(h, "sysfs/engine/vcs0/heartbeat_interval_ms", "0"));
    }

    [Fact]
    public void ParamsAndDeviceFiles()
    {
        // i915_param_uint_write: a non-number that is no boolean -EINVAL; bools read Y/N (debugfs_create_bool, param_get_bool).
        using var h = DrmHarness.Fast();
        Assert.Equal(-Errno.EINVAL, Write(h, "module/reset", "maybe"));
        Assert.Equal(1, Write(h, "module/enable_hangcheck", "0"));
        Assert.False(h.Dev.EnableHangcheck);
        Assert.Equal("N\n", Read(h, "module/enable_hangcheck"));
        Assert.Equal("N\n", Read(h, "debugfs/i915_params/enable_hangcheck"));
        Assert.Equal("0\n", Read(h, "module/enable_guc"));
        Assert.Equal("226:0\n", Read(h, "sysfs/dev"));
        Assert.StartsWith("i915 ", Read(h, "debugfs/name"), StringComparison.Ordinal);
        Assert.Contains("rcs0", Read(h, "debugfs/i915_engine_info"), StringComparison.Ordinal);
        Assert.Equal(-Errno.ENOENT, h.Driver.ReadVirtualFile("debugfs/nope", out _));
        Assert.Contains("sysfs/engine/vecs0/.defaults/timeslice_duration_ms", h.Driver.VirtualFiles);
        foreach (string path in h.Driver.VirtualFiles)
        {
            Assert.Equal(0, h.Driver.ReadVirtualFile(path, out _));
        }
    }

    [Fact]
    public void WritingAMaskToI915WedgedCapturesAnErrorState()
    {
        // i915_hangman error-state-basic: "1" to i915_wedged is intel_gt_handle_error(rcs0, I915_ERROR_CAPTURE).
        using var h = DrmHarness.Fast();
        Assert.Equal(0, Write(h, "sysfs/error", ""));
        Assert.Null(h.Dev.ReadErrorState());
        Assert.Equal(2, Write(h, "debugfs/i915_wedged", "1\n"));
        Assert.NotNull(h.Dev.ReadErrorState());
        // The text has times relative to the read: compare its first line only.
        Assert.Equal(h.Dev.ReadErrorFile().Split('\n')[0], Read(h, "sysfs/error").Split('\n')[0]);
        Assert.False(h.Dev.IsWedged);
    }

    [Fact]
    public void ErrorFileIsClearedByAWrite()
    {
        // error_state_write drops the held error state.
        using var h = DrmHarness.Fast();
        h.Dev.ForceReset(EngineId.Rcs0.Mask(), "test");
        Assert.Equal(1, Write(h, "sysfs/error", "\n"));
        Assert.Null(h.Dev.ReadErrorState());
    }
}
