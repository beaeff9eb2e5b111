using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Drm.I915;
using Driver.Drm.Tests.Support;
using Driver.Engines.Isa;
using static Driver.Drm.I915.Layout.ContextLayout;

namespace Driver.Drm.Tests;

/// <summary>CONTEXT_CREATE(_EXT), CONTEXT_DESTROY, CONTEXT_GET/SETPARAM, GET_RESET_STATS.</summary>
public class ContextIoctlTests
{
    /// <summary>i915_context_param_engines in user memory; returns its address and size.</summary>
    private static (ulong At, uint Size) Engines(DrmHarness h, params (ushort Class, ushort Instance)[] engines)
    {
        var e = new ArgBuffer(new byte[EnginesHeader + engines.Length * ClassInstanceSize]);
        for (int i = 0; i < engines.Length; i++)
        {
            e.SetU16(EnginesHeader + i * 4, engines[i].Class);
            e.SetU16(EnginesHeader + i * 4 + 2, engines[i].Instance);
        }

        return (h.Caller.Put(e.Data), (uint)e.Data.Length);
    }

    private static ulong SetParamExt(DrmHarness h, ulong param, ulong value, uint size = 0, uint ctxId = 0, ulong next = 0)
    {
        var ext = new ArgBuffer(new byte[ExtSize + ParamSize]);
        ext.SetU64(ExtNext, next);
        ext.SetU32(ExtName, CreateExtSetParam);
        ext.SetU32(ExtSize + ParamCtx, ctxId);
        ext.SetU32(ExtSize + ParamSizeField, size);
        ext.SetU64(ExtSize + ParamParam, param);
        ext.SetU64(ExtSize + ParamValue, value);
        return h.Caller.Put(ext.Data);
    }

    private static int CreateExt(DrmHarness h, uint flags, ulong extensions, out uint id)
    {
        ArgBuffer a = DrmHarness.Arg(CreateSize);
        a.SetU32(CreateFlags, flags);
        a.SetU64(CreateExtensions, extensions);
        int ret = h.Ioctl(Requests.ContextCreateExt, a);
        id = a.U32(CreateId);
        return ret;
    }

    /// <summary>A context made with CREATE_EXT and an ENGINES setparam (asserts success).</summary>
    public static uint CreateWithEngines(DrmHarness h, params (ushort Class, ushort Instance)[] engines)
    {
        (ulong at, uint size) = Engines(h, engines);
        Assert.Equal(0, CreateExt(h, CreateUseExtensions, SetParamExt(h, ParamEngines, at, size), out uint id));
        return id;
    }

    private static int SetParam(DrmHarness h, uint ctx, ulong param, ulong value, uint size = 0)
    {
        ArgBuffer a = DrmHarness.Arg(ParamSize);
        a.SetU32(ParamCtx, ctx);
        a.SetU32(ParamSizeField, size);
        a.SetU64(ParamParam, param);
        a.SetU64(ParamValue, value);
        return h.Ioctl(Requests.ContextSetParam, a);
    }

    internal static int GetParam(DrmHarness h, uint ctx, ulong param, out ulong value, uint size = 0, ulong pointer = 0)
    {
        ArgBuffer a = DrmHarness.Arg(ParamSize);
        a.SetU32(ParamCtx, ctx);
        a.SetU32(ParamSizeField, size);
        a.SetU64(ParamParam, param);
        a.SetU64(ParamValue, pointer);
        int ret = h.Ioctl(Requests.ContextGetParam, a);
        value = param == ParamEngines ? a.U32(ParamSizeField) : a.U64(ParamValue);
        return ret;
    }

    [Fact]
    public void CreateAndDestroy()
    {
        // i915_gem_context_create_ioctl / i915_gem_context_destroy_ioctl: pad -EINVAL, 0 -ENOENT, twice -ENOENT.
        using var h = DrmHarness.Fast();
        uint ctx = h.CreateContext();
        Assert.NotEqual(0u, ctx);
        ArgBuffer d = DrmHarness.Arg(DestroySize);
        d.SetU32(0, ctx);
        d.SetU32(4, 1);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.ContextDestroy, d));
        d.SetU32(4, 0);
        Assert.Equal(0, h.Ioctl(Requests.ContextDestroy, d));
        Assert.Equal(-Errno.ENOENT, h.Ioctl(Requests.ContextDestroy, d));
        d.SetU32(0, 0);
        Assert.Equal(-Errno.ENOENT, h.Ioctl(Requests.ContextDestroy, d));
    }

    [Fact]
    public void CreateErrors()
    {
        // i915_gem_context_create_ioctl: unknown flags -EINVAL (the plain create's pad reads as flags), then -EIO
        // while wedged; create_setparam: ctx_id non-zero -EINVAL; an unknown extension -EINVAL.
        using var h = DrmHarness.Fast();
        ArgBuffer plain = DrmHarness.Arg(8);
        plain.SetU32(4, 4);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.ContextCreate, plain));
        Assert.Equal(-Errno.EINVAL, CreateExt(h, CreateUseExtensions, SetParamExt(h, ParamBannable, 1, ctxId: 3), out _));
        var unknown = new ArgBuffer(new byte[ExtSize]);
        unknown.SetU32(ExtName, 1);
        Assert.Equal(-Errno.EINVAL, CreateExt(h, CreateUseExtensions, h.Caller.Put(unknown.Data), out _));
        Assert.Equal(-Errno.EINVAL, CreateExt(h, CreateUseExtensions, SetParamExt(h, ParamBanPeriod, 1), out _));
        Assert.Equal(-Errno.ENOENT, CreateExt(h, CreateUseExtensions, SetParamExt(h, ParamVm, 1), out _));
        Assert.Equal(0, CreateExt(h, CreateSingleTimeline, 0, out _));
        h.Dev.Wedge();
        Assert.Equal(-Errno.EIO, h.Ioctl(Requests.ContextCreate, DrmHarness.Arg(8)));
    }

    [Fact]
    public void CreateExtSetparamChainApplies()
    {
        // A chain of SETPARAM extensions: each applied to the new context.
        using var h = DrmHarness.Fast();
        ulong second = SetParamExt(h, ParamPersistence, 0);
        Assert.Equal(0, CreateExt(h, CreateUseExtensions, SetParamExt(h, ParamBannable, 0, next: second), out uint id));
        Assert.Equal(0, GetParam(h, id, ParamBannable, out ulong v));
        Assert.Equal(0ul, v);
        Assert.Equal(0, GetParam(h, id, ParamPersistence, out v));
        Assert.Equal(0ul, v);
    }

    [Fact]
    public void AnEngineMapNamingTheComputeClassIsEnoentOnTigerLake()
    {
        // intel_engine_lookup_user finds no COMPUTE engine on a part without one (set_proto_ctx_engines -ENOENT);
        // a part that has ccs0 maps it.
        using var h = DrmHarness.Fast();
        (ulong at, uint size) = Engines(h, (4, 0));
        Assert.Equal(-Errno.ENOENT, SetParam(h, h.CreateContext(), ParamEngines, at, size));

        using var withCompute = DrmHarness.Fast(new I915DriverOptions { Engines = EngineIds.All });
        (at, size) = Engines(withCompute, (4, 0));
        Assert.Equal(0, SetParam(withCompute, withCompute.CreateContext(), ParamEngines, at, size));
    }

    [Fact]
    public void EnginesAreSettableOnlyOnProtoContexts()
    {
        // set_proto_ctx_engines: a bad size -EINVAL, an unknown engine -ENOENT; ctx_setparam of a finalized context
        // (looked up by GETPARAM) ENGINES -EINVAL. get_engines: size 0 asks for the size.
        using var h = DrmHarness.Fast();
        uint ctx = h.CreateContext();
        (ulong at, uint size) = Engines(h, (0, 0), (2, 0));
        Assert.Equal(-Errno.EINVAL, SetParam(h, ctx, ParamEngines, at, size - 1));
        (ulong bad, uint badSize) = Engines(h, (7, 0));
        Assert.Equal(-Errno.ENOENT, SetParam(h, ctx, ParamEngines, bad, badSize));
        Assert.Equal(0, SetParam(h, ctx, ParamEngines, at, size));
        Assert.Equal(0, GetParam(h, ctx, ParamEngines, out ulong needed));
        Assert.Equal(size, needed);
        ulong back = h.Caller.Alloc((int)size);
        Assert.Equal(-Errno.EINVAL, GetParam(h, ctx, ParamEngines, out _, size - 4, back));
        Assert.Equal(0, GetParam(h, ctx, ParamEngines, out _, size, back));
        Assert.Equal(h.Caller.Get(at, (int)size), h.Caller.Get(back, (int)size));
        Assert.Equal(-Errno.EINVAL, SetParam(h, ctx, ParamEngines, at, size));
        Assert.Equal(0, GetParam(h, 0, ParamEngines, out needed));
        Assert.Equal(0ul, needed);
    }

    [Fact]
    public void ExecbufDuringSetparamEngines_EitherSeesTheMapOrMakesTheSetparamFail()
    {
        // i915_gem_context_setparam_ioctl runs set_proto_ctx_param (set_proto_ctx_engines, copying the map from the
        // user) under file_priv->proto_context_lock, which i915_gem_context_lookup takes to finalize the proto-context
        // (finalize_create_context_locked). An execbuf that looks the context up while the SETPARAM copies the map
        // waits for it and runs on the map; it may not run with the legacy ring selection while the SETPARAM then
        // succeeds on a context already in use (ctx_setparam would answer -EINVAL for ENGINES).
        using var h = DrmHarness.WithoutHeartbeat();
        uint ctx = h.CreateContext();
        (ulong engines, uint size) = Engines(h, (2, 0)); // index 0: vcs0 (class video); the legacy ring 0 is rcs0
        uint batch = h.Create();
        h.Write(batch, 0, Mi.BatchBufferEnd, 0);
        ulong exec = h.Caller.Put(ExecBuilder.Execbuf(h, 0, ctx, ExecBuilder.Object(batch)).Data);
        EngineId? ran = null;
        h.Dev.Gt.RequestCreated = rq =>
        {
            // The user's request only (no heartbeat pulse or other kernel request).
            if (!rq.Context.IsKernel)
            {
                ran = rq.Engine;
            }
        };
        int execRet = int.MinValue;
        int contended = 0;
        int done = 0;
        h.Driver.ProtoContextLockContended = () => Interlocked.Exchange(ref contended, 1);
        TestThread? other = null;
        h.Caller.OnRead = at =>
        {
            if (at != engines + EnginesHeader)
            {
                return;
            }

            // set_proto_ctx_engines is copying the map: another thread's execbuf looks the context up now, and runs
            // as far as it can (to its end, or to the wait for the proto-context lock).
            h.Caller.OnRead = null;
            other = TestThread.Start("execbuf", () =>
            {
                execRet = h.Driver.Ioctl(h.File, Requests.Execbuffer2, exec, h.Caller);
                Volatile.Write(ref done, 1);
            });
            Poll.Until(() => Volatile.Read(ref done) != 0 || Volatile.Read(ref contended) != 0, "the execbuf to end or wait for the SETPARAM",
                () => "neither", Bound.Long);
        };

        int setRet = SetParam(h, ctx, ParamEngines, engines, size);
        other!.Join(Bound.Long);
        Assert.Equal(0, execRet);
        Assert.True(setRet == 0 && ran == EngineId.Vcs0,
            $"SETPARAM(ENGINES) answered {setRet} while the execbuf it overlapped ran on {ran}: the map was set on a context already used without it");
    }

    [Fact]
    public void ParamErrors()
    {
        // ctx_setparam: BAN_PERIOD, NO_ZEROMAP, RINGSIZE, GTT_SIZE, unknown -EINVAL; a size on a plain value
        // -EINVAL; priority out of range -EINVAL; an unknown context -ENOENT (get and set).
        using var h = DrmHarness.Fast();
        Assert.Equal(-Errno.EINVAL, SetParam(h, 0, ParamBanPeriod, 1));
        Assert.Equal(-Errno.EINVAL, SetParam(h, 0, ParamNoZeromap, 1));
        Assert.Equal(-Errno.EINVAL, SetParam(h, 0, ParamGttSize, 1));
        Assert.Equal(-Errno.EINVAL, SetParam(h, 0, 0x99, 1));
        Assert.Equal(-Errno.EINVAL, SetParam(h, 0, ParamBannable, 1, size: 4));
        Assert.Equal(-Errno.EINVAL, SetParam(h, 0, ParamNoErrorCapture, 1, size: 4));
        Assert.Equal(-Errno.EINVAL, SetParam(h, 0, ParamPriority, 2000));
        Assert.Equal(-Errno.ENOENT, SetParam(h, 55, ParamBannable, 1));
        Assert.Equal(-Errno.ENOENT, GetParam(h, 55, ParamBannable, out _));
        Assert.Equal(-Errno.EINVAL, GetParam(h, 0, ParamBanPeriod, out _));
        // set_sseu: shorter than the struct -EINVAL; gen != 11 -ENODEV.
        Assert.Equal(-Errno.EINVAL, SetParam(h, 0, ParamSseu, h.Caller.Alloc(SseuSize)));
        Assert.Equal(-Errno.ENODEV, SetParam(h, 0, ParamSseu, h.Caller.Alloc(SseuSize), SseuSize));
    }

    [Fact]
    public void EnginesCannotBeSetTwice()
    {
        // set_proto_ctx_engines: "Cannot set engines twice" -EINVAL, even on a proto-context.
        using var h = DrmHarness.Fast();
        uint ctx = h.CreateContext();
        (ulong at, uint size) = Engines(h, (0, 0));
        Assert.Equal(0, SetParam(h, ctx, ParamEngines, at, size));
        Assert.Equal(-Errno.EINVAL, SetParam(h, ctx, ParamEngines, at, size));
    }

    [Fact]
    public void ParamsReadBack()
    {
        // i915_gem_context_getparam_ioctl: GTT_SIZE is the address space, flags 0/1, priority as set.
        using var h = DrmHarness.Fast();
        Assert.Equal(0, GetParam(h, 0, ParamGttSize, out ulong v));
        Assert.Equal((ulong)h.Dev.Gt.Ggtt.UserSize, v);
        Assert.Equal(0, SetParam(h, 0, ParamNoErrorCapture, 1));
        Assert.Equal(0, GetParam(h, 0, ParamNoErrorCapture, out v));
        Assert.Equal(1ul, v);
        Assert.Equal(0, SetParam(h, 0, ParamPriority, unchecked((ulong)-5)));
        Assert.Equal(0, GetParam(h, 0, ParamPriority, out v));
        Assert.Equal(-5L, (long)v);
        Assert.Equal(0, SetParam(h, 0, ParamRecoverable, 0));
        Assert.Equal(0, GetParam(h, 0, ParamRecoverable, out v));
        Assert.Equal(0ul, v);
    }

    [Fact]
    public void PersistenceNeedsHangcheck()
    {
        // __context_set_persistence: turning it on without enable_hangcheck -EINVAL.
        using var h = DrmHarness.Fast();
        uint ctx = h.CreateContext();
        Assert.Equal(0, SetParam(h, ctx, ParamPersistence, 0));
        h.Driver.WriteVirtualFile("module/enable_hangcheck", "N"u8);
        Assert.Equal(-Errno.EINVAL, SetParam(h, ctx, ParamPersistence, 1));
    }

    [Fact]
    public void ResetStatsErrors()
    {
        // i915_gem_context_reset_stats_ioctl: flags or pad -EINVAL before the lookup; -ENOENT.
        using var h = DrmHarness.Fast();
        ArgBuffer a = DrmHarness.Arg(ResetStatsSize);
        a.SetU32(0, 55);
        a.SetU32(4, 1);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.GetResetStats, a));
        a.SetU32(4, 0);
        a.SetU32(20, 1);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.GetResetStats, a));
        a.SetU32(20, 0);
        Assert.Equal(-Errno.ENOENT, h.Ioctl(Requests.GetResetStats, a));
        a.SetU32(0, 0);
        Assert.Equal(0, h.Ioctl(Requests.GetResetStats, a));
        Assert.Equal(0u, a.U32(12));
    }

    [Fact]
    public void ResetCountOnlyForCallerWithSysAdmin()
    {
        // i915_gem_context_reset_stats_ioctl: reset_count is i915_reset_count only when capable(CAP_SYS_ADMIN), which
        // checks the calling process's creds: the same file read by a process that dropped root says 0
        // (gem_reset_stats@reset-count-* forks a child that drops root and reads through the inherited fd).
        using var h = DrmHarness.Fast();
        h.Dev.ForceFullReset("test");
        Assert.True(h.Dev.Reset.ResetCount > 0);
        ArgBuffer a = DrmHarness.Arg(ResetStatsSize);
        Assert.Equal(0, h.Ioctl(Requests.GetResetStats, a));
        Assert.Equal((uint)h.Dev.Reset.ResetCount, a.U32(8));

        h.Caller.Lacks.Add(Capabilities.SysAdmin);
        a.SetU32(8, 0xffffffff);
        Assert.Equal(0, h.Ioctl(Requests.GetResetStats, a));
        Assert.Equal(0u, a.U32(8));

        h.Caller.Lacks.Clear();
        Assert.Equal(0, h.Ioctl(Requests.GetResetStats, a));
        Assert.Equal((uint)h.Dev.Reset.ResetCount, a.U32(8));
    }

    [Fact]
    public void UnbannableAndRaisedPriorityNeedCallerCapability()
    {
        // ctx_setparam / set_proto_ctx_param: BANNABLE=0 needs CAP_SYS_ADMIN, priority above 0 CAP_SYS_NICE, both
        // capable() on the caller (-EPERM); range errors come first (-EINVAL); lowering needs nothing.
        using var h = DrmHarness.Fast();
        uint proto = h.CreateContext();
        uint live = h.CreateContext();
        ArgBuffer stats = DrmHarness.Arg(ResetStatsSize);
        stats.SetU32(0, live);
        Assert.Equal(0, h.Ioctl(Requests.GetResetStats, stats)); // the lookup finalizes it
        h.Caller.Lacks.Add(Capabilities.SysAdmin);
        h.Caller.Lacks.Add(Capabilities.SysNice);
        foreach (uint ctx in new[] { proto, live })
        {
            Assert.Equal(-Errno.EPERM, SetParam(h, ctx, ParamBannable, 0));
            Assert.Equal(0, SetParam(h, ctx, ParamBannable, 1));
            Assert.Equal(-Errno.EPERM, SetParam(h, ctx, ParamPriority, 1));
            Assert.Equal(-Errno.EINVAL, SetParam(h, ctx, ParamPriority, 1024));
            Assert.Equal(0, SetParam(h, ctx, ParamPriority, unchecked((ulong)-5)));
        }

        h.Caller.Lacks.Clear();
        Assert.Equal(0, SetParam(h, live, ParamBannable, 0));
        Assert.Equal(0, SetParam(h, live, ParamPriority, 1));
    }

    [Fact]
    public void CapEffIsReadFromProcStatus()
    {
        // capable(): bit N of /proc/PID/status's CapEff is capability N.
        Assert.True(Capabilities.TryParseCapEff("Name:\tx\nCapInh:\t0\nCapEff:\t0000000000200000\nCapBnd:\t1\n", out ulong mask));
        Assert.Equal(1ul << Capabilities.SysAdmin, mask);
        Assert.False(Capabilities.TryParseCapEff("Name:\tx\n", out _));
        bool root = Capabilities.TryParseCapEff(File.ReadAllText("/proc/self/status"), out ulong own) &&
                    (own & (1ul << Capabilities.SysAdmin)) != 0;
        Assert.Equal(root, Capabilities.Effective(Environment.ProcessId, Capabilities.SysAdmin));
        Assert.False(Capabilities.Effective(int.MaxValue, Capabilities.SysAdmin));
    }
}
