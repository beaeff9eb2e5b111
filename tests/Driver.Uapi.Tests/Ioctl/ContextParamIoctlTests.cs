using Driver.Core.Errors;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Ioctl;

/// <summary>CONTEXT_SETPARAM / GETPARAM (ctx_setparam, i915_gem_context_getparam_ioctl), one test per rule.</summary>
public class ContextParamIoctlTests
{
    public static TheoryData<ContextParam> Params => new()
    {
        ContextParam.Bannable, ContextParam.Recoverable, ContextParam.Persistence, ContextParam.Priority,
    };

    [Fact]
    public void ParamsHaveTheKernelsNumbers()
    {
        // i915_drm.h: I915_CONTEXT_PARAM_BANNABLE 0x5, PRIORITY 0x6, RECOVERABLE 0x8, PERSISTENCE 0xb.
        Assert.Equal(0x5, (int)ContextParam.Bannable);
        Assert.Equal(0x6, (int)ContextParam.Priority);
        Assert.Equal(0x8, (int)ContextParam.Recoverable);
        Assert.Equal(0xb, (int)ContextParam.Persistence);
    }

    [Theory]
    [MemberData(nameof(Params))]
    public void NonZeroSizeIsEinval(ContextParam param)
    {
        // ctx_setparam: BANNABLE, RECOVERABLE, PERSISTENCE (set_persistence) and PRIORITY (set_priority) all start
        // with "if (args->size) return -EINVAL".
        using var t = TestDevice.Fast();
        Assert.Equal(0, t.Dev.GetContextParam(t.Client, 0, param, out long before));
        Assert.Equal(-Errno.EINVAL, t.Dev.SetContextParam(t.Client, 0, param, before, size: 8));
        Assert.Equal(0, t.Dev.GetContextParam(t.Client, 0, param, out long after));
        Assert.Equal(before, after);
    }

    [Theory]
    [InlineData(ContextParam.Bannable, 2L)]
    [InlineData(ContextParam.Bannable, -1L)]
    [InlineData(ContextParam.Recoverable, 2L)]
    [InlineData(ContextParam.Recoverable, long.MaxValue)]
    [InlineData(ContextParam.Persistence, 3L)]
    [InlineData(ContextParam.Persistence, long.MinValue)]
    public void AnyNonZeroValueTurnsAFlagOn(ContextParam param, long value)
    {
        // ctx_setparam: "else if (args->value) set" — any non-zero value sets the flag; getparam reads back 1.
        using var t = TestDevice.Fast();
        Assert.Equal(0, t.Dev.CreateContext(t.Client, out int ctx));
        // Turn it off first where an unprivileged client may (Bannable 0 needs privilege).
        if (param != ContextParam.Bannable)
        {
            Assert.Equal(0, t.Dev.SetContextParam(t.Client, ctx, param, 0));
        }

        Assert.Equal(0, t.Dev.SetContextParam(t.Client, ctx, param, value));
        Assert.Equal(0, t.Dev.GetContextParam(t.Client, ctx, param, out long read));
        Assert.Equal(1, read);
    }

    [Fact]
    public void ClearingBannableNeedsPrivilege()
    {
        // ctx_setparam BANNABLE: "!capable(CAP_SYS_ADMIN) && !args->value" is -EPERM.
        using var t = TestDevice.Fast();
        Assert.Equal(-Errno.EPERM, t.Dev.SetContextParam(t.Client, 0, ContextParam.Bannable, 0));
        int admin = t.OpenClient(privileged: true);
        Assert.Equal(0, t.Dev.SetContextParam(admin, 0, ContextParam.Bannable, 0));
        Assert.Equal(0, t.Dev.GetContextParam(admin, 0, ContextParam.Bannable, out long v));
        Assert.Equal(0, v);
    }

    [Theory]
    [InlineData(1024L)]
    [InlineData(-1024L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void PriorityOutOfRangeIsEinvalEvenWhenPrivileged(long value)
    {
        // set_priority: outside I915_CONTEXT_MIN/MAX_USER_PRIORITY (-1023..1023) is -EINVAL, before the EPERM check.
        using var t = TestDevice.Fast();
        int admin = t.OpenClient(privileged: true);
        Assert.Equal(-Errno.EINVAL, t.Dev.SetContextParam(admin, 0, ContextParam.Priority, value));
        Assert.Equal(-Errno.EINVAL, t.Dev.SetContextParam(t.Client, 0, ContextParam.Priority, value));
    }

    [Fact]
    public void RaisingPriorityNeedsPrivilege()
    {
        // set_priority: above I915_CONTEXT_DEFAULT_PRIORITY (0) without CAP_SYS_NICE is -EPERM; lowering is free.
        using var t = TestDevice.Fast();
        Assert.Equal(-Errno.EPERM, t.Dev.SetContextParam(t.Client, 0, ContextParam.Priority, 1));
        Assert.Equal(0, t.Dev.SetContextParam(t.Client, 0, ContextParam.Priority, -1023));
        Assert.Equal(0, t.Dev.SetContextParam(t.Client, 0, ContextParam.Priority, 0));
        int admin = t.OpenClient(privileged: true);
        Assert.Equal(0, t.Dev.SetContextParam(admin, 0, ContextParam.Priority, 1023));
        Assert.Equal(0, t.Dev.GetContextParam(admin, 0, ContextParam.Priority, out long p));
        Assert.Equal(1023, p);
    }

    [Fact]
    public void PersistenceUnchangedIsZeroEvenWithoutHangcheck()
    {
        // __context_set_persistence: "if (i915_gem_context_is_persistent(ctx) == state) return 0" comes before the
        // hangcheck (-EINVAL) check.
        using var t = TestDevice.Fast();
        Assert.Equal(0, t.Dev.GetContextParam(t.Client, 0, ContextParam.Persistence, out long p));
        Assert.Equal(1, p);
        t.Dev.EnableHangcheck = false;
        Assert.Equal(0, t.Dev.SetContextParam(t.Client, 0, ContextParam.Persistence, 1));
        Assert.Equal(0, t.Dev.SetContextParam(t.Client, 0, ContextParam.Persistence, 0));
        Assert.Equal(-Errno.EINVAL, t.Dev.SetContextParam(t.Client, 0, ContextParam.Persistence, 1));
        Assert.Equal(0, t.Dev.SetContextParam(t.Client, 0, ContextParam.Persistence, 0));
    }

    [Fact]
    public void OptingOutOfPersistenceWithoutEngineResetIsEnodev()
    {
        // __context_set_persistence: cancelling needs preempt-to-idle and then an engine reset, else -ENODEV.
        using var t = TestDevice.Fast(reset: r => r with { EngineResetEnabled = false });
        Assert.Equal(-Errno.ENODEV, t.Dev.SetContextParam(t.Client, 0, ContextParam.Persistence, 0));
        Assert.Equal(0, t.Dev.SetContextParam(t.Client, 0, ContextParam.Persistence, 1));
    }

    [Fact]
    public void OptingOutOfPersistenceFollowsTheResetModuleParameter()
    {
        // __context_set_persistence: opting out needs intel_has_reset_engine, which is false while i915.reset < 2
        // (engine reset available in the hardware but not allowed by the module parameter): -ENODEV.
        using var t = TestDevice.Fast();
        Assert.Equal(0, t.Dev.SetResetParam(1));
        Assert.Equal(0, t.Dev.CreateContext(t.Client, out int ctx));
        Assert.Equal(-Errno.ENODEV, t.Dev.SetContextParam(t.Client, ctx, ContextParam.Persistence, 0));
        Assert.Equal(0, t.Dev.GetContextParam(t.Client, ctx, ContextParam.Persistence, out long p));
        Assert.Equal(1, p);
    }

    [Fact]
    public void PersistenceNeedsEnableHangcheckNotAConfiguredHeartbeat()
    {
        // __context_set_persistence: turning persistence on is refused (-EINVAL) only without enable_hangcheck; the
        // heartbeat interval is not looked at (a closed persistent context on an engine without a heartbeat is
        // cancelled when scheduled instead: __execlists_schedule_in).
        using var t = TestDevice.Fast(reset: r => r with { HeartbeatInterval = TimeSpan.Zero });
        Assert.True(t.Dev.EnableHangcheck);
        Assert.Equal(0, t.Dev.CreateContext(t.Client, out int ctx));
        Assert.Equal(0, t.Dev.SetContextParam(t.Client, ctx, ContextParam.Persistence, 0));
        Assert.Equal(0, t.Dev.SetContextParam(t.Client, ctx, ContextParam.Persistence, 1));
        Assert.Equal(0, t.Dev.GetContextParam(t.Client, ctx, ContextParam.Persistence, out long p));
        Assert.Equal(1, p);
    }

    [Fact]
    public void ContextCreatedWithoutHangcheckIsNotPersistent()
    {
        // proto_context_create: UCONTEXT_PERSISTENCE is set by default only "if (i915->params.enable_hangcheck)", so
        // a context created with hangcheck off reads PERSISTENCE 0 and stays non-persistent (killed at close) even
        // once hangcheck is back on.
        using var t = TestDevice.Fast();
        t.Dev.EnableHangcheck = false;
        Assert.Equal(0, t.Dev.CreateContext(t.Client, out int ctx));
        Assert.Equal(0, t.Dev.GetContextParam(t.Client, ctx, ContextParam.Persistence, out long p));
        Assert.Equal(0, p);
        Assert.Equal(0, t.Dev.OpenClient(out int later));
        Assert.Equal(0, t.Dev.GetContextParam(later, 0, ContextParam.Persistence, out long p0));
        Assert.Equal(0, p0);
        t.Dev.EnableHangcheck = true;
        Assert.Equal(0, t.Dev.GetContextParam(t.Client, ctx, ContextParam.Persistence, out p));
        Assert.Equal(0, p);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(0x4)]
    [InlineData(0x7)]
    [InlineData(0xa)]
    [InlineData(99)]
    public void UnknownOrUnmodelledParamIsEinvalForSetAndGet(int param)
    {
        // ctx_setparam / i915_gem_context_getparam_ioctl: default -EINVAL (NO_ERROR_CAPTURE 0x4, SSEU 0x7,
        // ENGINES 0xa are not modelled in GpuSim).
        using var t = TestDevice.Fast();
        Assert.Equal(-Errno.EINVAL, t.Dev.SetContextParam(t.Client, 0, (ContextParam)param, 0));
        Assert.Equal(-Errno.EINVAL, t.Dev.GetContextParam(t.Client, 0, (ContextParam)param, out long v));
        Assert.Equal(0, v);
    }

    [Fact]
    public void UnknownContextIsEnoentBeforeTheParamIsLookedAt()
    {
        // i915_gem_context_setparam_ioctl / getparam_ioctl: the context lookup (-ENOENT) comes first.
        using var t = TestDevice.Fast();
        Assert.Equal(-Errno.ENOENT, t.Dev.SetContextParam(t.Client, 77, (ContextParam)99, 0, size: 4));
        Assert.Equal(-Errno.ENOENT, t.Dev.GetContextParam(t.Client, 77, (ContextParam)99, out _));
    }

    [Fact]
    public void DefaultsAreBannableRecoverablePersistentPriorityZero()
    {
        // i915 creates contexts bannable, recoverable, persistent, at I915_PRIORITY_NORMAL (0).
        using var t = TestDevice.Fast();
        Assert.Equal(0, t.Dev.CreateContext(t.Client, out int ctx));
        foreach ((ContextParam param, long expected) in new[]
        {
            (ContextParam.Bannable, 1L), (ContextParam.Recoverable, 1L), (ContextParam.Persistence, 1L), (ContextParam.Priority, 0L),
        })
        {
            Assert.Equal(0, t.Dev.GetContextParam(t.Client, ctx, param, out long v));
            Assert.Equal(expected, v);
        }
    }
}
