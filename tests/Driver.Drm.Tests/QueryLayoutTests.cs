using Driver.Drm.I915;
using Driver.Drm.I915.Layout;
using Driver.Drm.Tests.Support;

namespace Driver.Drm.Tests;

/// <summary>struct drm_i915_query as userspace lays it out (IGT's __gem_query_engines).</summary>
public class QueryLayoutTests
{
    [Fact]
    public void QueryIsNumItemsFlagsThenItemsPointerInSixteenBytes()
    {
        // uapi i915_drm.h: struct drm_i915_query { __u32 num_items; __u32 flags; __u64 items_ptr; }, and
        // DRM_IOCTL_I915_QUERY encodes size 16. A user pointer in items_ptr must not read as flags (-EINVAL): that
        // made IGT's intel_ctx_cfg_all_physical fall back to legacy contexts (no engine map).
        Assert.Equal(0xC0106479u, DrmIoctl.Iowr(DrmIoctl.I915Query, QueryLayout.QuerySize));
        using var h = DrmHarness.Fast();
        ulong item = h.Caller.Alloc(QueryLayout.ItemSize);
        byte[] raw = new byte[QueryLayout.ItemSize];
        BitConverter.TryWriteBytes(raw.AsSpan(0), QueryLayout.QueryEngineInfo);
        Assert.True(h.Caller.TryWrite(item, raw));
        ArgBuffer q = DrmHarness.Arg(16);
        q.SetU32(0, 1);
        q.SetU64(8, item);
        Assert.Equal(0, h.Ioctl(0xC0106479u, q));
        Assert.True(h.Caller.S32(item + QueryLayout.ItemLength) > 0, "ENGINE_INFO with length 0 answers its size");
    }
}
