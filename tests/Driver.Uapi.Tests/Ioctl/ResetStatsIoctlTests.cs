using Driver.Core.Errors;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Ioctl;

/// <summary>GET_RESET_STATS (i915_gem_context_reset_stats_ioctl), one test per rule.</summary>
public class ResetStatsIoctlTests
{
    [Fact]
    public void FlagsAndPadAreEinvalBeforeTheContextIsLookedUp()
    {
        // i915_gem_context_reset_stats_ioctl: "if (args->flags || args->pad) return -EINVAL" precedes the lookup.
        using var t = TestDevice.Fast();
        Assert.Equal(-Errno.EINVAL, t.Dev.GetResetStats(t.Client, 77, out _, flags: 1));
        Assert.Equal(-Errno.EINVAL, t.Dev.GetResetStats(t.Client, 77, out _, pad: 1));
        Assert.Equal(-Errno.ENOENT, t.Dev.GetResetStats(t.Client, 77, out _));
    }

    [Fact]
    public void DefaultContextHasStats()
    {
        // __i915_gem_context_lookup_rcu finds context 0, the default context.
        using var t = TestDevice.Fast();
        Assert.Equal(0, t.Dev.GetResetStats(t.Client, 0, out ResetStats stats));
        Assert.Equal(new ResetStats(0, 0, 0), stats);
    }

    [Fact]
    public void ResetCountIsForPrivilegedClientsOnly()
    {
        // i915_gem_context_reset_stats_ioctl: reset_count is i915_reset_count for CAP_SYS_ADMIN, else 0.
        using var t = TestDevice.Fast();
        int admin = t.OpenClient(privileged: true);
        t.Dev.ForceFullReset("test");
        Assert.Equal(0, t.Dev.GetResetStats(t.Client, 0, out ResetStats user));
        Assert.Equal(0, user.ResetCount);
        Assert.Equal(0, t.Dev.GetResetStats(admin, 0, out ResetStats root));
        Assert.Equal(t.Dev.Reset.ResetCount, root.ResetCount);
        Assert.True(root.ResetCount > 0);
    }

    [Fact]
    public void WorksWhileWedged()
    {
        // i915_gem_context_reset_stats_ioctl has no wedged check.
        using var t = TestDevice.Fast();
        int c = t.Client;
        t.Dev.Wedge();
        Assert.Equal(0, t.Dev.GetResetStats(c, 0, out _));
    }
}
