using Driver.Core.Memory;
using Gtt = Driver.Core.Memory.Ggtt;

namespace Driver.Core.Tests.Memory;

/// <summary>
/// The GGTT binding's pin count (i915_vma pin_count): an eviction (__i915_vma_unbind) refuses a pinned binding, each
/// pin taken by Ggtt.Insert needs its own Ggtt.Unpin, and the release's plain unbind
/// is not refused.
/// </summary>
public sealed class GgttPinTests
{
    [Fact]
    public void APinnedBindingIsNotEvictedUntilEveryPinIsDropped()
    {
        var memory = new DeviceMemory(64 * DeviceMemory.PageSize);
        var ggtt = new Gtt(64 * DeviceMemory.PageSize);
        var bo = new BufferObject(memory, DeviceMemory.PageSize, BoFlags.None);
        GgttNode first = ggtt.Insert(bo, 0x4000, pin: true);
        // A second execbuf finding the object where it wants it pins the same binding.
        GgttNode second = ggtt.Insert(bo, pin: true);
        Assert.Same(first, second);
        Assert.True(first.IsPinned);
        Assert.False(ggtt.TryRemoveUnpinned(bo));
        Gtt.Unpin(first);
        Assert.False(ggtt.TryRemoveUnpinned(bo));
        Assert.Same(first, bo.Binding);
        Gtt.Unpin(second);
        Assert.False(first.IsPinned);
        Assert.True(ggtt.TryRemoveUnpinned(bo));
        Assert.Null(bo.Binding);
        Assert.False(ggtt.IsPresent(0x4000));
    }

    [Fact]
    public void AnUnpinnedInsertLeavesTheBindingEvictable()
    {
        var memory = new DeviceMemory(64 * DeviceMemory.PageSize);
        var ggtt = new Gtt(64 * DeviceMemory.PageSize);
        var bo = new BufferObject(memory, DeviceMemory.PageSize, BoFlags.None);
        Assert.False(ggtt.Insert(bo).IsPinned);
        Assert.True(ggtt.TryRemoveUnpinned(bo));
        Assert.True(ggtt.TryRemoveUnpinned(bo)); // not bound: nothing to refuse
    }
}
