using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Drm.I915;
using Driver.Drm.I915.Layout;
using Driver.Drm.Tests.Support;

namespace Driver.Drm.Tests;

/// <summary>GETPARAM (i915_getparam_ioctl) and QUERY (i915_query_ioctl).</summary>
public class ParamQueryTests
{
    private static int GetParam(DrmHarness h, int param, out int value)
    {
        ulong at = h.Caller.Alloc(4);
        ArgBuffer a = DrmHarness.Arg(QueryLayout.GetParamSize);
        a.SetS32(0, param);
        a.SetU64(8, at);
        int ret = h.Ioctl(Requests.GetParam, a);
        value = h.Caller.S32(at);
        return ret;
    }

    [Fact]
    public void ParamsReportTheDevice()
    {
        using var h = DrmHarness.Fast();
        Assert.Equal(0, GetParam(h, I915Param.ChipsetId, out int v));
        Assert.Equal(0x9a49, v);
        Assert.Equal(0, GetParam(h, I915Param.MmapGttVersion, out v));
        Assert.Equal(4, v);
        // ENABLED | PRIORITY | PREEMPTION | SEMAPHORES.
        Assert.Equal(0, GetParam(h, I915Param.HasScheduler, out v));
        Assert.Equal(15, v);
        Assert.Equal(0, GetParam(h, I915Param.HasExecSubmitFence, out v));
        Assert.Equal(1, v);
        Assert.Equal(0, GetParam(h, I915Param.HasExecFence, out v));
        Assert.Equal(1, v);
        // Syncobjs: fence arrays and timeline fences.
        Assert.Equal(0, GetParam(h, I915Param.HasExecFenceArray, out v));
        Assert.Equal(1, v);
        Assert.Equal(0, GetParam(h, I915Param.HasExecTimelineFences, out v));
        Assert.Equal(1, v);
        Assert.Equal(0, GetParam(h, I915Param.HasAliasingPpgtt, out v));
        Assert.Equal(2, v);
        // i915_cmd_parser_get_version: 0 when no engine parses (gen12).
        Assert.Equal(0, GetParam(h, I915Param.CmdParserVersion, out v));
        Assert.Equal(0, v);
        // intel_engines_has_context_isolation: a bit per class Tiger Lake has (render, copy, video, video-enhance).
        Assert.Equal(0, GetParam(h, I915Param.HasContextIsolation, out v));
        Assert.Equal(0xf, v);
    }

    [Fact]
    public void DriParamsAreEnodevAndUnknownEinval()
    {
        // i915_getparam_ioctl: "Reject all old ums/dri params" -ENODEV; default -EINVAL.
        using var h = DrmHarness.Fast();
        Assert.Equal(-Errno.ENODEV, GetParam(h, I915Param.IrqActive, out _));
        Assert.Equal(-Errno.ENODEV, GetParam(h, I915Param.HasExecConstants, out _));
        Assert.Equal(-Errno.EINVAL, GetParam(h, 9999, out _));
    }

    [Fact]
    public void UnwritableValueIsEfault()
    {
        // i915_getparam_ioctl: put_user fails.
        using var h = DrmHarness.Fast();
        ArgBuffer a = DrmHarness.Arg(QueryLayout.GetParamSize);
        a.SetS32(0, I915Param.ChipsetId);
        a.SetU64(8, FakeCaller.BadAddress);
        Assert.Equal(-Errno.EFAULT, h.Ioctl(Requests.GetParam, a));
    }

    [Fact]
    public void HasGpuResetFollowsResetAndEnableHangcheck()
    {
        // I915_PARAM_HAS_GPU_RESET: enable_hangcheck && intel_has_gpu_reset, 2 with engine reset.
        using var h = DrmHarness.Fast();
        Assert.Equal(0, GetParam(h, I915Param.HasGpuReset, out int v));
        Assert.Equal(2, v);
        Assert.Equal(1, h.Driver.WriteVirtualFile("module/reset", "1"u8));
        GetParam(h, I915Param.HasGpuReset, out v);
        Assert.Equal(1, v);
        h.Driver.WriteVirtualFile("debugfs/i915_params/reset", "0\n"u8);
        GetParam(h, I915Param.HasGpuReset, out v);
        Assert.Equal(0, v);
        h.Driver.WriteVirtualFile("module/reset", "4294967295"u8);
        GetParam(h, I915Param.HasGpuReset, out v);
        Assert.Equal(2, v);
        h.Driver.WriteVirtualFile("module/enable_hangcheck", "0"u8);
        GetParam(h, I915Param.HasGpuReset, out v);
        Assert.Equal(0, v);
    }

    private static (ulong Items, ArgBuffer Query) Items(DrmHarness h, ulong id, int length, ulong data, uint flags = 0)
    {
        ArgBuffer item = DrmHarness.Arg(QueryLayout.ItemSize);
        item.SetU64(QueryLayout.ItemId, id);
        item.SetS32(QueryLayout.ItemLength, length);
        item.SetU32(QueryLayout.ItemFlags, flags);
        item.SetU64(QueryLayout.ItemData, data);
        ulong items = h.Caller.Put(item.Data);
        ArgBuffer q = DrmHarness.Arg(QueryLayout.QuerySize);
        q.SetU32(QueryLayout.QueryNumItems, 1);
        q.SetU64(QueryLayout.QueryItems, items);
        return (items, q);
    }

    [Fact]
    public void QueryEngineInfoSizesThenLists()
    {
        // query_engine_info via copy_query_item: length 0 returns the size; then the engines by class. Tiger Lake
        // (the default part, 0x9a49) has rcs0, bcs0, vcs0 and vecs0, and no compute engine.
        using var h = DrmHarness.Fast();
        const int Count = 4;
        int total = QueryLayout.ListHeader + Count * QueryLayout.EngineInfoSize;
        (ulong items, ArgBuffer q) = Items(h, QueryLayout.QueryEngineInfo, 0, 0);
        Assert.Equal(0, h.Ioctl(Requests.Query, q));
        Assert.Equal(total, h.Caller.S32(items + QueryLayout.ItemLength));

        ulong data = h.Caller.Alloc(total);
        (items, q) = Items(h, QueryLayout.QueryEngineInfo, total, data);
        Assert.Equal(0, h.Ioctl(Requests.Query, q));
        Assert.Equal(total, h.Caller.S32(items + QueryLayout.ItemLength));
        var reply = new ArgBuffer(h.Caller.Get(data, total));
        Assert.Equal((uint)Count, reply.U32(0));
        Assert.Equal(new ushort[] { 0, 1, 2, 3 },
            Enumerable.Range(0, Count).Select(i => reply.U16(QueryLayout.ListHeader + i * QueryLayout.EngineInfoSize)));
    }

    [Fact]
    public void APartWithAComputeEngineListsItAndItsClass()
    {
        // The engine set is the part's (I915DriverOptions.Engines): one with ccs0 lists it, class 4 (COMPUTE).
        using var h = DrmHarness.Fast(new I915DriverOptions { Engines = EngineIds.All });
        int total = QueryLayout.ListHeader + EngineIds.Count * QueryLayout.EngineInfoSize;
        ulong data = h.Caller.Alloc(total);
        (ulong items, ArgBuffer q) = Items(h, QueryLayout.QueryEngineInfo, total, data);
        Assert.Equal(0, h.Ioctl(Requests.Query, q));
        Assert.Equal(total, h.Caller.S32(items + QueryLayout.ItemLength));
        var reply = new ArgBuffer(h.Caller.Get(data, total));
        Assert.Equal((uint)EngineIds.Count, reply.U32(0));
        Assert.Equal(new ushort[] { 0, 1, 2, 3, 4 },
            Enumerable.Range(0, EngineIds.Count).Select(i => reply.U16(QueryLayout.ListHeader + i * QueryLayout.EngineInfoSize)));
        Assert.Equal(0, GetParam(h, I915Param.HasContextIsolation, out int v));
        Assert.Equal(0x1f, v);
    }

    [Fact]
    public void QueryItemErrorsGoToTheItemLength()
    {
        // i915_query_ioctl: per-item errors are written to item.length; the ioctl itself returns 0.
        using var h = DrmHarness.Fast();
        int total = QueryLayout.ListHeader + I915DriverOptions.TigerLakeEngines.Count * QueryLayout.EngineInfoSize;
        (ulong items, ArgBuffer q) = Items(h, QueryLayout.QueryEngineInfo, total - 1, h.Caller.Alloc(total));
        Assert.Equal(0, h.Ioctl(Requests.Query, q));
        Assert.Equal(-Errno.EINVAL, h.Caller.S32(items + QueryLayout.ItemLength));

        // A non-zero header (num_engines) is -EINVAL.
        byte[] dirty = new byte[total];
        dirty[0] = 1;
        (items, q) = Items(h, QueryLayout.QueryEngineInfo, total, h.Caller.Put(dirty));
        Assert.Equal(0, h.Ioctl(Requests.Query, q));
        Assert.Equal(-Errno.EINVAL, h.Caller.S32(items + QueryLayout.ItemLength));

        // Item flags -EINVAL; an unknown query id -EINVAL.
        (items, q) = Items(h, QueryLayout.QueryEngineInfo, 0, 0, flags: 1);
        Assert.Equal(0, h.Ioctl(Requests.Query, q));
        Assert.Equal(-Errno.EINVAL, h.Caller.S32(items + QueryLayout.ItemLength));
        (items, q) = Items(h, 1, 0, 0);
        Assert.Equal(0, h.Ioctl(Requests.Query, q));
        Assert.Equal(-Errno.EINVAL, h.Caller.S32(items + QueryLayout.ItemLength));

        // An unwritable data pointer: -EFAULT in the item.
        (items, q) = Items(h, QueryLayout.QueryMemoryRegions, QueryLayout.ListHeader + QueryLayout.RegionInfoSize, FakeCaller.BadAddress);
        Assert.Equal(0, h.Ioctl(Requests.Query, q));
        Assert.Equal(-Errno.EFAULT, h.Caller.S32(items + QueryLayout.ItemLength));
    }

    [Fact]
    public void QueryIoctlErrors()
    {
        // i915_query_ioctl: flags -EINVAL; query_id 0 -EINVAL; an unreadable item -EFAULT.
        using var h = DrmHarness.Fast();
        (_, ArgBuffer q) = Items(h, QueryLayout.QueryEngineInfo, 0, 0);
        q.SetU32(QueryLayout.QueryFlags, 1);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Query, q));
        (_, q) = Items(h, 0, 0, 0);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.Query, q));
        q.SetU64(QueryLayout.QueryItems, FakeCaller.BadAddress);
        Assert.Equal(-Errno.EFAULT, h.Ioctl(Requests.Query, q));
    }

    [Fact]
    public void QueryMemoryRegionsIsOneSystemRegion()
    {
        // query_memregion_info: one system-memory region (class 0, instance 0) with its size.
        using var h = DrmHarness.Fast();
        int total = QueryLayout.ListHeader + QueryLayout.RegionInfoSize;
        ulong data = h.Caller.Alloc(total);
        (ulong items, ArgBuffer q) = Items(h, QueryLayout.QueryMemoryRegions, total, data);
        Assert.Equal(0, h.Ioctl(Requests.Query, q));
        Assert.Equal(total, h.Caller.S32(items + QueryLayout.ItemLength));
        var reply = new ArgBuffer(h.Caller.Get(data, total));
        Assert.Equal(1u, reply.U32(0));
        Assert.Equal(0, reply.U16(QueryLayout.ListHeader));
        Assert.Equal(256ul << 20, reply.U64(QueryLayout.ListHeader + QueryLayout.RegionProbedSize));
    }

    [Fact]
    public void QueryItemWithANegativeLengthIsAnsweredAsIfLargeEnough()
    {
        // copy_query_item compares the item's s32 length with the unsigned total: a negative length (the errno an
        // earlier call left in the item, as IGT's test_query_garbage_items and query-regions-garbage-items reuse it)
        // converts to a huge size, passes the "too short" check, and the item is answered. Only 0 asks for the size.
        using var h = DrmHarness.Fast();
        int total = QueryLayout.ListHeader + QueryLayout.RegionInfoSize;
        ulong data = h.Caller.Alloc(total);
        (ulong items, ArgBuffer q) = Items(h, QueryLayout.QueryMemoryRegions, -Errno.EINVAL, data);
        Assert.Equal(0, h.Ioctl(Requests.Query, q));
        Assert.Equal(total, h.Caller.S32(items + QueryLayout.ItemLength));
        Assert.Equal(1u, new ArgBuffer(h.Caller.Get(data, total)).U32(0));

        // And with a bad pointer it is the copy that fails (-EFAULT), not the length (IGT: a bad data_ptr after
        // the item came back -EFAULT).
        (items, q) = Items(h, QueryLayout.QueryEngineInfo, -Errno.EFAULT, FakeCaller.BadAddress);
        Assert.Equal(0, h.Ioctl(Requests.Query, q));
        Assert.Equal(-Errno.EFAULT, h.Caller.S32(items + QueryLayout.ItemLength));
    }
}
