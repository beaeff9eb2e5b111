using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Ioctl;

/// <summary>CONTEXT_CREATE_EXT and CONTEXT_DESTROY (i915_gem_context_create_ioctl / _destroy_ioctl), one test per rule.</summary>
public class ContextIoctlTests
{
    [Theory]
    [InlineData(1u)]
    [InlineData(2u)]
    [InlineData(0x8000_0000u)]
    public void CreateWithUnknownOrUnmodelledFlagsIsEinval(uint flags)
    {
        // i915_gem_context_create_ioctl: I915_CONTEXT_CREATE_FLAGS_UNKNOWN is -EINVAL; GpuSim models neither
        // USE_EXTENSIONS nor SINGLE_TIMELINE, so it takes no flag at all.
        using var t = TestDevice.Fast();
        Assert.Equal(-Errno.EINVAL, t.Dev.CreateContext(t.Client, out int ctx, flags));
        Assert.Equal(0, ctx);
        Assert.Equal(0, t.Dev.CreateContext(t.Client, out ctx));
        Assert.NotEqual(0, ctx);
    }

    [Fact]
    public void CreateFlagsAreCheckedBeforeTheWedge()
    {
        // i915_gem_context_create_ioctl: the flags check precedes intel_gt_terminally_wedged (-EIO).
        using var t = TestDevice.Fast();
        int c = t.Client;
        t.Dev.Wedge();
        Assert.Equal(-Errno.EINVAL, t.Dev.CreateContext(c, out _, 1));
        Assert.Equal(-Errno.EIO, t.Dev.CreateContext(c, out _));
    }

    [Fact]
    public void CreateByABannedClientIsEio()
    {
        // i915_gem_context_create_ioctl: client_is_banned is -EIO.
        using var t = TestDevice.Fast();
        int c = t.Client;
        Client client = t.Dev.Clients.Single(x => x.Id == c);
        client.AddBanScore(Client.BanThreshold);
        Assert.Equal(-Errno.EIO, t.Dev.CreateContext(c, out int ctx));
        Assert.Equal(0, ctx);
    }

    [Fact]
    public void DestroyWithNonZeroPadIsEinvalBeforeTheIdIsChecked()
    {
        // i915_gem_context_destroy_ioctl: "if (args->pad != 0) return -EINVAL" comes first.
        using var t = TestDevice.Fast();
        Assert.Equal(0, t.Dev.CreateContext(t.Client, out int ctx));
        Assert.Equal(-Errno.EINVAL, t.Dev.DestroyContext(t.Client, 0, pad: 1));
        Assert.Equal(-Errno.EINVAL, t.Dev.DestroyContext(t.Client, ctx, pad: 1));
        Assert.Equal(0, t.Dev.DestroyContext(t.Client, ctx));
    }

    [Fact]
    public void DestroyOfTheDefaultContextIsEnoentAndItStaysUsable()
    {
        // i915_gem_context_destroy_ioctl: ctx_id 0 is -ENOENT.
        using var t = TestDevice.Fast();
        Assert.Equal(-Errno.ENOENT, t.Dev.DestroyContext(t.Client, 0));
        t.AssertWorks(EngineId.Rcs0, 0);
    }

    [Fact]
    public void DestroyOfAnUnknownOrDestroyedContextIsEnoent()
    {
        // i915_gem_context_destroy_ioctl: xa_erase finding nothing is -ENOENT.
        using var t = TestDevice.Fast();
        Assert.Equal(-Errno.ENOENT, t.Dev.DestroyContext(t.Client, 12345));
        Assert.Equal(0, t.Dev.CreateContext(t.Client, out int ctx));
        Assert.Equal(0, t.Dev.DestroyContext(t.Client, ctx));
        Assert.Equal(-Errno.ENOENT, t.Dev.DestroyContext(t.Client, ctx));
    }

    [Fact]
    public void DestroyWorksWhileWedged()
    {
        // i915_gem_context_destroy_ioctl has no wedged check.
        using var t = TestDevice.Fast();
        Assert.Equal(0, t.Dev.CreateContext(t.Client, out int ctx));
        t.Dev.Wedge();
        Assert.Equal(0, t.Dev.DestroyContext(t.Client, ctx));
    }
}
