using Driver.Core.Ggtt;
using Driver.Core.Memory;

namespace Driver.Core.Tests.Tiling;

public class FenceRegisterFileTests
{
    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(32)]
    public void SupportedSizes(int count)
    {
        var file = new FenceRegisterFile(count);
        Assert.Equal(count, file.Count);
        for (int i = 0; i < count; i++)
        {
            Assert.False(file.Read(i).IsValid);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(12)]
    [InlineData(64)]
    [InlineData(-8)]
    public void OtherSizesAreRejected(int count) =>
        Assert.Throws<ArgumentException>(() => new FenceRegisterFile(count));

    [Fact]
    public void ValueEncodesRangePitchAndTiling()
    {
        var v = FenceValue.Encode(0x0010_0000, 0x4000, TilingMode.Y, 512);
        Assert.True(v.IsValid);
        Assert.Equal(0x0010_0000u, v.Start);
        Assert.Equal(0x0010_3fffu, v.Last);
        Assert.Equal(TilingMode.Y, v.Tiling);
        Assert.Equal(512, v.Stride);
        Assert.Equal(0x0010_0000u | FenceValue.TilingYBit | FenceValue.ValidBit, v.Low);
        Assert.Equal(0x0010_3000u | 3u, v.High);
        Assert.True(v.Covers(0x0010_3ffc));
        Assert.False(v.Covers(0x0010_4000));
        Assert.False(FenceValue.Cleared.Covers(0x0010_0000));
        Assert.Throws<ArgumentException>(() => FenceValue.Encode(0x1001, 0x4000, TilingMode.X, 512));
        Assert.Throws<ArgumentException>(() => FenceValue.Encode(0x1000, 0x4000, TilingMode.X, 384));
    }

    [Fact]
    public void AssignsFreeRegistersThenStealsTheLeastRecentlyUsed()
    {
        var file = new FenceRegisterFile(8);
        RecordingFenceOwner[] owners = Enumerable.Range(0, 10).Select(i => new RecordingFenceOwner($"o{i}")).ToArray();
        var bindings = new FenceBinding[10];
        for (int i = 0; i < 8; i++)
        {
            bindings[i] = file.Assign(owners[i], (uint)(i + 1) * 0x10000, 0x4000, TilingMode.X, 512);
        }

        Assert.Equal(8, bindings.Take(8).Select(b => b.Index).Distinct().Count());
        Assert.Equal(0, file.Steals);
        Assert.All(owners, o => Assert.Empty(o.Revoked));

        // Touch o0: o1 becomes the least recently used.
        Assert.Same(bindings[0], file.Assign(owners[0], 0x10000, 0x4000, TilingMode.X, 512));

        bindings[8] = file.Assign(owners[8], 0x90000, 0x4000, TilingMode.Y, 128);
        Assert.Equal(1, file.Steals);
        Assert.Equal([bindings[1].Index], owners[1].Revoked);
        Assert.Equal(bindings[1].Index, bindings[8].Index);
        Assert.Same(owners[8], file.OwnerOf(bindings[8].Index));
        Assert.Equal(bindings[8].Value, file.Read(bindings[8].Index));

        // Next least recently used: o2 (o0 was touched, o8 is new).
        bindings[9] = file.Assign(owners[9], 0xa0000, 0x4000, TilingMode.X, 1024);
        Assert.Equal([bindings[2].Index], owners[2].Revoked);
        Assert.Empty(owners[0].Revoked);
        Assert.Empty(owners[8].Revoked);
        Assert.Equal(2, file.Steals);
    }

    [Fact]
    public void TheOldOwnerIsRevokedBeforeTheRegisterChanges()
    {
        var file = new FenceRegisterFile(8);
        var observer = new ObservingFenceOwner(file);
        FenceBinding old = file.Assign(observer, 0x10000, 0x4000, TilingMode.X, 512);
        for (int i = 1; i < 8; i++)
        {
            file.Assign(new RecordingFenceOwner($"f{i}"), (uint)(i + 1) * 0x10000, 0x4000, TilingMode.X, 512);
        }

        FenceBinding stolen = file.Assign(new RecordingFenceOwner("thief"), 0x100000, 0x4000, TilingMode.Y, 128);

        Assert.Equal(old.Index, stolen.Index);
        // When the old owner was asked to revoke, its register was still VALID with its own value.
        Assert.Equal(old.Value, observer.SeenAtRevoke);
        Assert.Equal(stolen.Value, file.Read(stolen.Index));
    }

    // What cleared a register is kept with it, so an access misrouted through it can be charged to that reset path
    // (a wedge's __intel_gt_reset or intel_gt_reset's) however late it is counted; the restore does not erase it.
    [Fact]
    public void ClearAllRecordsItsCausePerRegisterUntilTheNextClear()
    {
        var file = new FenceRegisterFile(8);
        FenceBinding b = file.Assign(new RecordingFenceOwner("o"), 0x40000, 0x8000, TilingMode.X, 1024);

        file.ClearAll(2);
        file.RestoreAll();
        Assert.Equal(b.Value, file.Read(b.Index));
        for (int i = 0; i < file.Count; i++)
        {
            Assert.Equal(2, file.ClearedBy(i));
        }

        file.ClearAll(1);
        Assert.Equal(1, file.ClearedBy(b.Index));
        Assert.False(file.Read(b.Index).IsValid);
    }

    [Fact]
    public void ClearAllIsTheHardwareResetAndRestoreAllRewritesTheSoftwareCopy()
    {
        var file = new FenceRegisterFile(16);
        var owner = new RecordingFenceOwner("o");
        FenceBinding b = file.Assign(owner, 0x40000, 0x8000, TilingMode.X, 1024);
        Assert.Equal(b.Value, file.Read(b.Index));

        file.ClearAll();
        for (int i = 0; i < file.Count; i++)
        {
            Assert.False(file.Read(i).IsValid);
        }

        Assert.Equal(b.Value, file.SoftwareValue(b.Index));

        file.RestoreAll();
        Assert.Equal(b.Value, file.Read(b.Index));
        for (int i = 0; i < file.Count; i++)
        {
            if (i != b.Index)
            {
                Assert.Equal(FenceValue.Cleared, file.Read(i));
            }
        }

        file.Release(owner, b);
        Assert.False(file.Read(b.Index).IsValid);
        Assert.Null(file.OwnerOf(b.Index));
        Assert.Empty(owner.Revoked);
    }

    [Fact]
    public void RegisterWriteOrderIsObservableByAConcurrentDetilingLookup()
    {
        var ggtt = new Driver.Core.Memory.Ggtt(1 << 24);
        var mem = new DeviceMemory(1 << 22);
        var file = new FenceRegisterFile(8);
        var aperture = new Aperture(ggtt, file);
        var first = new BufferObject(mem, 8192, BoFlags.None);
        var second = new BufferObject(mem, 8192, BoFlags.None);
        GgttNode nodeA = ggtt.Insert(first);
        GgttNode nodeB = ggtt.Insert(second);
        var ownerA = new RecordingFenceOwner("a");
        var ownerB = new RecordingFenceOwner("b");

        // Occupy all eight registers; ownerA's is the least recently used, so ownerB steals it.
        FenceBinding bindingA = file.Assign(ownerA, nodeA.Offset, nodeA.Size, TilingMode.X, 1024);
        for (int i = 1; i < 8; i++)
        {
            file.Assign(new RecordingFenceOwner($"f{i}"), 0x800000 + (uint)i * 0x10000, 0x4000, TilingMode.X, 512);
        }

        var expectedB = FenceValue.Encode(nodeB.Offset, nodeB.Size, TilingMode.Y, 256);

        var seen = new List<(FenceWriteStep Step, FenceValue Value, ApertureRoute Route)>();
        file.WriteStepHook = (index, step) =>
        {
            // The lookup runs on another thread while the writer sits between two stores.
            Task<(FenceValue value, ApertureRoute route)> lookup = Task.Run(() =>
            {
                FenceValue value = file.Read(index);
                var binding = new FenceBinding(index, expectedB, nodeB.Size);
                ApertureRoute route = aperture.Read(nodeB, 4096 + 16, binding, out _);
                return (value, route);
            });
            Assert.True(lookup.Wait(Bound.Long));
            seen.Add((step, lookup.Result.value, lookup.Result.route));
        };
        FenceBinding bindingB = file.Assign(ownerB, nodeB.Offset, nodeB.Size, TilingMode.Y, 256);
        file.WriteStepHook = null;

        Assert.Equal(bindingA.Index, bindingB.Index);
        Assert.Equal([bindingA.Index], ownerA.Revoked);
        Assert.Equal(3, seen.Count);
        // 1: low half 0 — invalid, high half still the old register's.
        Assert.Equal(FenceWriteStep.Invalidated, seen[0].Step);
        Assert.Equal(new FenceValue(0, bindingA.Value.High), seen[0].Value);
        Assert.Equal(ApertureRoute.Linear, seen[0].Route);
        // 2: high half new, low half still 0 — invalid.
        Assert.Equal(FenceWriteStep.HighWritten, seen[1].Step);
        Assert.Equal(new FenceValue(0, expectedB.High), seen[1].Value);
        Assert.False(seen[1].Value.IsValid);
        Assert.Equal(ApertureRoute.Linear, seen[1].Route);
        // 3: low half with VALID — the new register is live and detiles.
        Assert.Equal(FenceWriteStep.LowWritten, seen[2].Step);
        Assert.Equal(expectedB, seen[2].Value);
        Assert.Equal(ApertureRoute.Detiled, seen[2].Route);
    }
}
