using Driver.Core.Errors;
using Driver.Core.Memory;
using Driver.Core.Requests;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Memory;

/// <summary>GGTT binding: non-overlapping ranges, fixed-offset checks, unbind faults, clobber and restore.</summary>
public class GgttTests
{
    private static readonly DeviceMemory s_memory = new(64L << 20);

    private static BufferObject Bo(long size) => new(s_memory, size, BoFlags.None);

    [Fact]
    public void AutomaticBindingsDoNotOverlapAndSkipTheGuardPage()
    {
        var ggtt = new Ggtt(1 << 20);
        var nodes = new[] { 4096L, 3 * 4096, 4096, 8 * 4096, 4096 }.Select(s => ggtt.Insert(Bo(s))).ToList();
        Assert.Equal(5, ggtt.NodeCount);
        foreach (GgttNode? n in nodes)
        {
            Assert.True(n.Offset >= 4096, "page 0 is the guard page");
            Assert.Equal(0u, n.Offset % 4096);
            Assert.True(n.End <= ggtt.Size);
            Assert.Equal(n.Object.Binding, n);
            foreach (GgttNode? m in nodes)
            {
                if (m != n)
                {
                    Assert.False(n.Offset < m.End && m.Offset < n.End, $"{n.Object} overlaps {m.Object}");
                }
            }
        }
    }

    [Fact]
    public void HolesAreReusedLowestFirst()
    {
        var ggtt = new Ggtt(1 << 20);
        GgttNode a = ggtt.Insert(Bo(4096));
        BufferObject b = Bo(2 * 4096);
        GgttNode bNode = ggtt.Insert(b);
        GgttNode c = ggtt.Insert(Bo(4096));
        ggtt.Remove(b);
        GgttNode d = ggtt.Insert(Bo(4096));
        Assert.Equal(bNode.Offset, d.Offset);
        Assert.True(d.End <= c.Offset);
        Assert.True(a.End <= d.Offset);
    }

    [Fact]
    public void AlignmentIsHonouredAndValidated()
    {
        var ggtt = new Ggtt(1 << 20);
        ggtt.Insert(Bo(4096));
        GgttNode n = ggtt.Insert(Bo(4096), alignment: 0x10000);
        Assert.Equal(0u, n.Offset % 0x10000);
        foreach (uint bad in new uint[] { 0, 3, 1024, 0x3000 })
        {
            Assert.Equal(Errno.EINVAL, Assert.Throws<DriverException>(() => ggtt.Insert(Bo(4096), alignment: bad)).Errno);
        }
    }

    [Fact]
    public void FixedOffsetIsUsedWhenFree()
    {
        var ggtt = new Ggtt(1 << 20);
        GgttNode n = ggtt.Insert(Bo(2 * 4096), 0x40000);
        Assert.Equal(0x40000u, n.Offset);
        Assert.Equal(n, ggtt.NodeAt(0x41ffc));
        Assert.Null(ggtt.NodeAt(0x42000));
    }

    [Fact]
    public void FixedOffsetZeroIsBoundWhileAutomaticPlacementsStillSkipIt()
    {
        // Full ppGTT: a softpin may take offset 0 (i915_vma_insert with PIN_OFFSET_FIXED); the driver's own choice
        // still leaves page 0 unbound, so a null address faults unless a user placed something there.
        var ggtt = new Ggtt(1 << 20);
        GgttNode auto = ggtt.Insert(Bo(4096));
        Assert.True(auto.Offset >= 4096);
        Assert.False(ggtt.TryRead(0, out _));
        BufferObject bo = Bo(4096);
        GgttNode n = ggtt.Insert(bo, 0u);
        Assert.Equal(0u, n.Offset);
        Assert.Equal(n, ggtt.NodeAt(0));
        Assert.True(ggtt.TryWrite(8, 0x1234));
        Assert.Equal(0x1234u, bo.ReadDword(8));
        ggtt.Remove(bo);
        Assert.False(ggtt.TryRead(8, out _));
    }

    [Fact]
    public void KernelObjectsGoAboveTheUsersRangeWhileItHasRoom()
    {
        // The driver's objects live in the GGTT, never in a user's full ppGTT: above UserSize, users' below it.
        var ggtt = new Ggtt(1 << 20, 2 * 4096);
        Assert.Equal((1 << 20) + 2 * 4096, ggtt.Size);
        Assert.Equal(1 << 20, ggtt.UserSize);
        GgttNode[] kernel = [ggtt.Insert(new BufferObject(s_memory, 4096, BoFlags.Kernel)),
            ggtt.Insert(new BufferObject(s_memory, 4096, BoFlags.Kernel))];
        Assert.All(kernel, n => Assert.True(n.Offset >= ggtt.UserSize));
        GgttNode user = ggtt.Insert(Bo(4096));
        Assert.True(user.Offset >= 4096 && user.End <= ggtt.UserSize);
        // Full, a third one goes among the users' objects rather than fail.
        GgttNode third = ggtt.Insert(new BufferObject(s_memory, 4096, BoFlags.Kernel));
        Assert.True(third.End <= ggtt.UserSize);
        // And users' objects never spill into the driver's range.
        var big = new Ggtt(8 * 4096, 4 * 4096);
        big.Insert(Bo(7 * 4096));
        Assert.Equal(Errno.ENOSPC, Assert.Throws<DriverException>(() => big.Insert(Bo(4096))).Errno);
    }

    [Theory]
    [InlineData(0x40004u)]   // misaligned
    [InlineData(0x40800u)]   // misaligned
    [InlineData(0xFF000u)]   // the object runs past the end
    [InlineData(0x100000u)]  // starts at the end
    [InlineData(0xFFFFF000u)] // far beyond
    public void BadFixedOffsetIsEinval(uint offset)
    {
        var ggtt = new Ggtt(1 << 20);
        BufferObject bo = Bo(2 * 4096);
        Assert.Equal(Errno.EINVAL, Assert.Throws<DriverException>(() => ggtt.Insert(bo, offset)).Errno);
        Assert.Null(bo.Binding);
        Assert.Equal(0, ggtt.NodeCount);
    }

    [Theory]
    [InlineData(0x40000u)]
    [InlineData(0x3F000u)]
    [InlineData(0x41000u)]
    public void OverlappingFixedOffsetIsEnospc(uint offset)
    {
        var ggtt = new Ggtt(1 << 20);
        ggtt.Insert(Bo(2 * 4096), 0x40000);
        BufferObject bo = Bo(2 * 4096);
        Assert.Equal(Errno.ENOSPC, Assert.Throws<DriverException>(() => ggtt.Insert(bo, offset)).Errno);
        Assert.Null(bo.Binding);
        Assert.Equal(1, ggtt.NodeCount);
    }

    [Fact]
    public void FullAddressSpaceIsEnospc()
    {
        var ggtt = new Ggtt(4 * 4096);
        ggtt.Insert(Bo(3 * 4096));
        Assert.Equal(Errno.ENOSPC, Assert.Throws<DriverException>(() => ggtt.Insert(Bo(4096))).Errno);
    }

    [Fact]
    public void RebindingReturnsTheSameNodeAndRejectsAnotherFixedOffset()
    {
        var ggtt = new Ggtt(1 << 20);
        BufferObject bo = Bo(4096);
        GgttNode n = ggtt.Insert(bo);
        Assert.Same(n, ggtt.Insert(bo));
        Assert.Same(n, ggtt.Insert(bo, n.Offset));
        Assert.Equal(Errno.EINVAL, Assert.Throws<DriverException>(() => ggtt.Insert(bo, n.Offset + 0x10000)).Errno);
    }

    [Fact]
    public void AccessesGoThroughThePtesAndFaultAfterUnbind()
    {
        var ggtt = new Ggtt(1 << 20);
        BufferObject bo = Bo(2 * 4096);
        uint at = ggtt.Insert(bo).Offset;
        Assert.True(ggtt.TryWrite(at + 4096 + 8, 0x1234));
        Assert.Equal(0x1234u, bo.ReadDword(4096 + 8));
        bo.WriteDword(16, 0x5678);
        Assert.True(ggtt.TryRead(at + 16, out uint v));
        Assert.Equal(0x5678u, v);
        Assert.False(ggtt.TryRead(at + 2, out _), "misaligned access faults");
        Assert.False(ggtt.TryRead(0, out _), "the guard page faults");
        Assert.False(ggtt.TryRead(0xFFFFFFFC, out _), "beyond the GGTT faults");

        ggtt.Remove(bo);
        Assert.Null(bo.Binding);
        Assert.False(ggtt.TryRead(at + 16, out _));
        Assert.False(ggtt.TryWrite(at + 4096, 1));
        Assert.Equal(0x1234u, bo.ReadDword(4096 + 8));
        ggtt.Remove(bo); // unbinding twice is harmless
    }

    [Fact]
    public void EngineStoreToAnUnboundObjectFaults()
    {
        using var h = new GtHarness();
        // The target sits far above everything else, so the range it leaves is not reused (lowest-first binding)
        // by the batch or a status page.
        TestBuffer batch = h.NewBuffer();
        TestBuffer target = h.NewBuffer(4096, fixedOffset: 0x0200_0000);
        uint address = target.At(2);
        h.Gt.Ggtt.Remove(target.Object);
        batch.Write(new Driver.Engines.Isa.BatchBuilder().StoreDword(address, 7).End());
        Request rq = h.Submit(batch);
        Assert.True(rq.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, rq.Status);
        Assert.Equal(0u, target[2]);
        Assert.Equal(Driver.Engines.Execution.FaultKind.PageFault, h.Gt[Driver.Core.Hw.EngineId.Rcs0].LastFault!.Kind);
    }

    [Fact]
    public void UapiBindChecksFixedOffsets()
    {
        using var t = TestDevice.Fast();
        Assert.Equal(0, t.Dev.CreateBuffer(t.Client, 8192, out int h1));
        Assert.Equal(0, t.Dev.CreateBuffer(t.Client, 4096, out int h2));
        Assert.Equal(-Errno.EINVAL, t.Dev.Bind(t.Client, h1, out _, 0x100010));
        Assert.Equal(-Errno.EINVAL, t.Dev.Bind(t.Client, h1, out _, 0xFFFFF000));
        Assert.Equal(0, t.Dev.Bind(t.Client, h1, out uint at, 0x100000));
        Assert.Equal(0x100000u, at);
        Assert.Equal(-Errno.ENOSPC, t.Dev.Bind(t.Client, h2, out _, 0x101000));
        Assert.Equal(0, t.Dev.Bind(t.Client, h2, out uint other));
        Assert.True(other + 4096 <= 0x100000 || other >= 0x102000);
        t.AssertWorks();
    }
}
