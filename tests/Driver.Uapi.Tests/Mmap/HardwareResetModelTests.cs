using Driver.Core.Ggtt;
using Driver.Reset.Mmap;
using Driver.Reset.Recovery;
using Driver.Testing.Devices;
using static Driver.Testing.Devices.GttMappings;

namespace Driver.Uapi.Tests.Mmap;

/// <summary>
/// What a hardware reset loses, as i915 models it on gen6+: not the GGTT (its PTEs live in memory the reset does not
/// touch), but the fence registers. intel_gt_reset restores them (intel_ggtt_restore_fences) after revoking the user
/// mmaps; __intel_gt_set_wedged and __intel_gt_unset_wedged reset the hardware (__intel_gt_reset(gt, ALL_ENGINES))
/// and do neither, so a tiled GTT mmap access while wedged goes through undetiled, under any mmap policy.
/// </summary>
public class HardwareResetModelTests
{
    private const int Size = 8192;
    // Two X tiles across: the tiled layout differs from the linear one (at one tile across they coincide).
    private const int Stride = 1024;

    private static int FenceOf(GpuDevice dev)
    {
        for (int i = 0; i < dev.Mmaps.Fences.Count; i++)
        {
            if (dev.Mmaps.Fences.OwnerOf(i) is not null)
            {
                return i;
            }
        }

        throw new InvalidOperationException("no fence register is assigned");
    }

    [Fact]
    public void AFullResetKeepsTheGgttAndRestoresTheFenceRegisters()
    {
        using var t = TestDevice.Mmap(MmapResetPolicy.Revoke);
        GpuDevice dev = t.Dev;
        dev.OpenClient(out int c);
        (GttMapping gtt, _) = Map(dev, c, TilingMode.X, Stride, Size);
        Fill(gtt, 0x2000_0000);
        int fence = FenceOf(dev);
        FenceValue programmed = dev.Mmaps.Fences.Read(fence);
        Assert.True(programmed.IsValid);

        dev.ForceFullReset("test");

        Assert.Equal(programmed, dev.Mmaps.Fences.Read(fence));
        AssertFilled(gtt, 0x2000_0000);
        Assert.Equal(0, dev.Mmaps.GlitchesOn(HardwareResetPath.FullReset));
    }

    [Fact]
    public void WedgingClearsTheFenceRegistersWithoutRevokeOrRestoreAndAccessesGlitchUntilUnwedged()
    {
        using var t = TestDevice.Mmap(MmapResetPolicy.Revoke);
        GpuDevice dev = t.Dev;
        dev.OpenClient(out int c);
        (GttMapping gtt, _) = Map(dev, c, TilingMode.X, Stride, Size);
        Fill(gtt, 0x3000_0000);
        int fence = FenceOf(dev);
        long revocations = dev.Mmaps.Revocations;

        dev.Wedge("test");

        Assert.True(dev.IsWedged);
        Assert.False(dev.Mmaps.Fences.Read(fence).IsValid);
        Assert.True(dev.Mmaps.Fences.SoftwareValue(fence).IsValid);
        Assert.Equal(revocations, dev.Mmaps.Revocations);
        // The mapping was not revoked: reads go straight through the aperture, undetiled, to the wrong place.
        int wrong = 0;
        for (long off = 0; off < Size; off += 4)
        {
            Assert.Equal(0, gtt.Read(off, out uint v));
            wrong += v == 0x3000_0000u + (uint)(off / 4) ? 0 : 1;
        }

        Assert.True(wrong > 0);
        Assert.True(dev.Mmaps.GlitchesOn(HardwareResetPath.Wedge) > 0);
        Assert.Equal(0, dev.Mmaps.GlitchesOn(HardwareResetPath.FullReset));

        Assert.True(dev.Unwedge());

        Assert.True(dev.Mmaps.Fences.Read(fence).IsValid);
        AssertFilled(gtt, 0x3000_0000);
    }

    [Fact]
    public void AFailedFullResetWedgesWithoutRestoringTheFenceRegisters()
    {
        using var t = TestDevice.Mmap(MmapResetPolicy.Revoke);
        GpuDevice dev = t.Dev;
        dev.OpenClient(out int c);
        (GttMapping gtt, _) = Map(dev, c, TilingMode.Y, 128, Size);
        Fill(gtt, 0x4000_0000);
        int fence = FenceOf(dev);
        dev.Reset.Faults.FailFullResets(GtReset.FullResetRetries + 1);

        dev.ForceFullReset("test: the reset fails");

        Assert.True(dev.IsWedged);
        Assert.False(dev.Mmaps.Fences.Read(fence).IsValid);
        Assert.True(dev.Mmaps.Fences.SoftwareValue(fence).IsValid);
    }

    // intel_gt_reset revokes the mmaps (revoke_mmaps) before its hardware reset; __intel_gt_set_wedged does not. A
    // glitch belongs to the reset that cleared the register the access went through, even when the access is only
    // counted after a full reset (which unwedges and restores) has run: charged to the full reset, the soak's mmap
    // user took a wedge's glitched pass for a failure of the revoke policy.
    [Fact]
    public void AWedgeGlitchCountedAfterAFullResetRanIsChargedToTheWedge()
    {
        using var t = TestDevice.Mmap(MmapResetPolicy.Revoke);
        GpuDevice dev = t.Dev;
        dev.OpenClient(out int c);
        (GttMapping gtt, _) = Map(dev, c, TilingMode.X, Stride, Size);
        Fill(gtt, 0x5000_0000);
        dev.Wedge("test");
        int resets = 0;
        dev.Mmaps.MisrouteNoteHook = () =>
        {
            // On the accessing thread, between its read section and its count: the full reset's shootdown does not
            // wait for it, exactly as for a thread preempted there.
            if (resets++ == 0)
            {
                dev.ForceFullReset("test: between a misrouted access and its count");
            }
        };

        // Byte 512 of row 0 is the second X tile's: undetiled, it lands in the first tile (the wrong place).
        Assert.Equal(0, gtt.Read(512, out _));
        dev.Mmaps.MisrouteNoteHook = null;

        Assert.Equal(1, resets);
        Assert.False(dev.IsWedged);
        Assert.Equal(1, dev.Mmaps.GlitchedReads);
        Assert.Equal(1, dev.Mmaps.GlitchesOn(HardwareResetPath.Wedge));
        Assert.Equal(0, dev.Mmaps.GlitchesOn(HardwareResetPath.FullReset));
        // The full reset restored the register: the mapping detiles again.
        AssertFilled(gtt, 0x5000_0000);
    }
}
