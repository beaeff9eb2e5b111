using Driver.Core.Ggtt;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Reset.Mmap;
using Driver.Reset.Recovery;
using Driver.Sim.Glitch;
using Driver.Testing.Devices;
using Driver.Uapi;
using static Driver.Testing.Devices.GttMappings;

namespace Driver.Sim.Tests.Mmap;

public class MmapResetTests
{
    private const int Stride = 1024;
    private const int Size = 16384;
    private const uint Seed = 0x1000_0000;

    /// <summary>A linear offset whose tiled offset differs from it (x = 0, y = 1 → tiled 512).</summary>
    private const long Probe = 1024;

    [Fact]
    public void FullResetClearsTheFencesKeepsTheGgttAndRestoresTheFences()
    {
        using var t = TestDevice.Mmap(MmapResetPolicy.Glitch);
        GpuDevice dev = t.Dev;
        dev.OpenClient(out int c);
        (GttMapping? gtt, BufferMapping _) = Map(dev, c, TilingMode.X, Stride, Size);
        Fill(gtt, Seed);
        GgttNode node = gtt.Object.Binding!;
        FenceRegisterFile fences = dev.Mmaps.Fences;
        int index = Enumerable.Range(0, fences.Count).Single(i => fences.Read(i).IsValid);
        FenceValue value = fences.Read(index);

        FenceValue atPrepare = default, atRestore = default;
        FenceValue[]? atHardwareReset = null;
        bool ggttAtHardwareReset = false, ggttAtRestore = false;
        dev.Reset.AddObserver(new HookObserver
        {
            Prepare = () => atPrepare = fences.Read(index),
            HardwareReset = () =>
            {
                atHardwareReset = Enumerable.Range(0, fences.Count).Select(fences.Read).ToArray();
                ggttAtHardwareReset = dev.Gt.Ggtt.IsPresent(node.Offset);
            },
            Restore = () =>
            {
                atRestore = fences.Read(index);
                ggttAtRestore = dev.Gt.Ggtt.IsPresent(node.Offset);
            },
        });

        dev.ForceFullReset();

        Assert.Equal(1, dev.Reset.ResetCount);
        Assert.Equal(value, atPrepare);
        Assert.All(atHardwareReset!, v => Assert.Equal(FenceValue.Cleared, v));
        // gen6+: the GGTT's PTEs live in memory the reset does not touch (intel_gt_reset rewrites none).
        Assert.True(ggttAtHardwareReset);
        Assert.Equal(value, atRestore);
        Assert.True(ggttAtRestore);
        Assert.Equal(value, fences.Read(index));
        Assert.Equal(value, fences.SoftwareValue(index));
        AssertFilled(gtt, Seed);
    }

    [Fact]
    public void GlitchPolicyLetsAnAccessInTheWindowReadAndWriteTheWrongPlace()
    {
        using var t = TestDevice.Mmap(MmapResetPolicy.Glitch);
        GpuDevice dev = t.Dev;
        dev.OpenClient(out int c);
        (GttMapping? gtt, BufferMapping? linear) = Map(dev, c, TilingMode.X, Stride, Size);
        Fill(gtt, Seed);
        // Undetiled, linear offset Probe reaches the byte stored at tiled offset Probe, i.e. this linear position:
        long wrong = TileGeometry.TiledToLinear(TilingMode.X, Stride, Probe);
        Assert.NotEqual(Probe, wrong);

        int readErr = -1, writeErr = -1;
        uint windowValue = 0;
        bool joined = false;
        TestThread? user = null;
        // Registered after the device's mmap manager: runs once it has cleared the fence registers.
        dev.Reset.AddObserver(new HookObserver
        {
            HardwareReset = () =>
            {
                user = TestThread.Start("user", () =>
                {
                    readErr = gtt.Read(Probe, out windowValue);
                    writeErr = gtt.Write(Probe, 0xdeadbeef);
                });
                joined = user.TryJoin();
            },
        });

        dev.ForceFullReset();

        Assert.NotNull(user);
        user.Join();
        Assert.True(joined, "the access in the window did not complete");
        Assert.Equal(0, readErr);
        Assert.Equal(0, writeErr);
        // The read returned another pixel's data; the write landed on another pixel.
        Assert.Equal(Seed + (uint)(wrong / 4), windowValue);
        Assert.NotEqual(Seed + (uint)(Probe / 4), windowValue);
        Assert.Equal(1, dev.Mmaps.GlitchedReads);
        Assert.Equal(1, dev.Mmaps.MisplacedWrites);
        Assert.Equal(0, gtt.Read(Probe, out uint stillThere));
        Assert.Equal(Seed + (uint)(Probe / 4), stillThere);
        Assert.Equal(0, gtt.Read(wrong, out uint clobbered));
        Assert.Equal(0xdeadbeefu, clobbered);
        Assert.Equal(0xdeadbeefu, linear[Probe / 4]);
    }

    [Fact]
    public void RevokePolicyBlocksAnAccessInTheWindowUntilTheRegistersAreRestored()
    {
        using var t = TestDevice.Mmap(MmapResetPolicy.Revoke);
        GpuDevice dev = t.Dev;
        dev.OpenClient(out int c);
        (GttMapping? gtt, BufferMapping _) = Map(dev, c, TilingMode.Y, 256, Size);
        Fill(gtt, Seed);

        TestThread? user = null;
        int done = 0, doneAtRestore = -1, presentInWindow = -1, err = -1;
        bool faultedInWindow = false;
        uint value = 0;
        dev.Reset.AddObserver(new HookObserver
        {
            HardwareReset = () =>
            {
                presentInWindow = gtt.PresentPages;
                long faults = dev.Mmaps.Faults;
                user = TestThread.Start("user", () =>
                {
                    err = gtt.Read(Probe, out value);
                    Volatile.Write(ref done, 1);
                });
                // The access finds its PTE zapped and faults; the fault then waits on the reset lock.
                faultedInWindow = Poll.TryUntil(() => dev.Mmaps.Faults > faults);
            },
            Restore = () => doneAtRestore = Volatile.Read(ref done),
        });

        dev.ForceFullReset();

        Assert.NotNull(user);
        user.Join();
        Assert.Equal(0, presentInWindow);
        Assert.True(faultedInWindow);
        Assert.Equal(0, doneAtRestore);
        Assert.Equal(0, err);
        Assert.Equal(Seed + (uint)(Probe / 4), value);
        Assert.Equal(1, dev.Mmaps.Revocations);
        Assert.Equal(0, dev.Mmaps.GlitchedReads);
        Assert.Equal(0, dev.Mmaps.MisplacedWrites);
        AssertFilled(gtt, Seed);
    }

    [Fact]
    public void StopMachinePolicyHoldsAnAccessForTheWholeReset()
    {
        using var t = TestDevice.Mmap(MmapResetPolicy.StopMachine);
        GpuDevice dev = t.Dev;
        dev.OpenClient(out int c);
        (GttMapping? gtt, BufferMapping _) = Map(dev, c, TilingMode.X, Stride, Size);
        Fill(gtt, Seed);

        TestThread? user = null;
        int done = 0, doneAtRestore = -1, err = -1;
        bool heldInWindow = false;
        uint value = 0;
        dev.Reset.AddObserver(new HookObserver
        {
            HardwareReset = () =>
            {
                long held = dev.Mmaps.StoppedAccesses;
                user = TestThread.Start("user", () =>
                {
                    err = gtt.Write(Probe, 0x12345678);
                    if (err == 0)
                    {
                        err = gtt.Read(Probe, out value);
                    }

                    Volatile.Write(ref done, 1);
                });
                // The access meets the stopped machine and waits at its gate.
                heldInWindow = Poll.TryUntil(() => dev.Mmaps.StoppedAccesses > held);
            },
            Restore = () => doneAtRestore = Volatile.Read(ref done),
        });

        dev.ForceFullReset();

        Assert.NotNull(user);
        user.Join();
        Assert.True(heldInWindow, "the access was not held at the stop machine's gate");
        Assert.Equal(0, doneAtRestore);
        Assert.Equal(0, err);
        Assert.Equal(0x12345678u, value);
        Assert.Equal(0, dev.Mmaps.StopFailures);
        Assert.Equal(0, dev.Mmaps.GlitchedReads);
        Assert.Equal(0, dev.Mmaps.MisplacedWrites);
        Assert.Equal(0, dev.Mmaps.Revocations);
    }

    [Fact]
    public void AUserThreadThatDoesNotStopFailsTheGlitchRunWithinItsBoundInsteadOfHangingIt()
    {
        // gem_mmap_gtt@hang's children are waited for with a bound; here user thread 0 is held in its first pass (an
        // access stuck in the driver's stand-in) well past the runner's join bound: the run must end by itself, failed.
        using var release = new ManualResetEventSlim();
        int passes = 0;
        Exception? thrown = null;
        var run = new Thread(() =>
        {
            try
            {
                GlitchRunner.Run(new GlitchOptions
                {
                    Policy = MmapResetPolicy.Revoke,
                    Threads = 1,
                    Duration = TimeSpan.FromMilliseconds(50),
                    MaxResets = 1,
                    ObjectBytes = 16384,
                    JoinBound = TimeSpan.FromSeconds(1),
                    BeforePass = _ =>
                    {
                        if (Interlocked.Increment(ref passes) == 1)
                        {
                            release.Wait(TimeSpan.FromSeconds(30));
                        }
                    },
                });
            }
            catch (Exception e)
            {
                thrown = e;
            }
        })
        { IsBackground = true };
        run.Start();
        bool ended = run.Join(TimeSpan.FromSeconds(15));
        release.Set();

        Assert.True(ended, "the glitch run did not end within 15 s of a user thread that would not stop (join bound 1 s)");
        TimeoutException e = Assert.IsType<TimeoutException>(thrown);
        Assert.Contains("did not stop", e.Message);
    }

    [Theory]
    [InlineData(MmapResetPolicy.Revoke)]
    [InlineData(MmapResetPolicy.StopMachine)]
    public void ResetsLoopingUnderThreadsNeverGlitch(MmapResetPolicy policy)
    {
        GlitchResult result = GlitchRunner.Run(new GlitchOptions
        {
            Policy = policy,
            Threads = 2,
            Duration = TimeSpan.FromMilliseconds(500),
            MaxResets = 300,
            ObjectBytes = 16384,
        });
        Assert.True(result.Resets > 0);
        Assert.True(result.Accesses > 0);
        Assert.Equal(0, result.FailedAccesses);
        Assert.Equal(0, result.GlitchedReads);
        Assert.Equal(0, result.MisplacedWrites);
        Assert.Equal(0, result.Mismatches);
    }

    [Theory]
    [InlineData(MmapResetPolicy.Glitch)]
    [InlineData(MmapResetPolicy.StopMachine)]
    [InlineData(MmapResetPolicy.Revoke)]
    public void EngineResetsNeverGlitchAndNeverSendAccessesToTheFaultPath(MmapResetPolicy policy)
    {
        using var t = TestDevice.Mmap(policy, engineReset: true);
        GpuDevice dev = t.Dev;
        dev.OpenClient(out int c);
        (GttMapping? gtt, BufferMapping _) = Map(dev, c, TilingMode.Y, 256, Size);
        Fill(gtt, Seed);
        long faults = dev.Mmaps.Faults;
        int stop = 0, rounds = 0;
        var user = TestThread.Start("user", () =>
        {
            for (uint r = 1; Volatile.Read(ref stop) == 0 && r < 10_000; r++)
            {
                Fill(gtt, r << 20);
                AssertFilled(gtt, r << 20);
                Interlocked.Increment(ref rounds);
            }
        });
        // The Resets must overlap the user's accesses: let it complete a round first (bounded).
        Poll.Until(() => Volatile.Read(ref rounds) > 0 || !user.Thread.IsAlive, "the user's first round");
        const int Resets = 20;
        // Kept awake, or a forced reset of the idle engine would do nothing (intel_engine_pm_get_if_awake).
        using (dev.Gt[EngineId.Rcs0].HoldAwake())
        {
            for (int i = 0; i < Resets; i++)
            {
                dev.ForceReset(EngineId.Rcs0.Mask(), "engine reset under GTT mmaps");
            }
        }

        Volatile.Write(ref stop, 1);
        user.Join();

        Assert.True(rounds > 0);
        Assert.Equal(Resets, dev.Reset.EngineResetCount(EngineClass.Render));
        Assert.Equal(0, dev.Reset.ResetCount);
        // Never revoked, never faulted again: every access took the lock-free path, which cannot block on a reset.
        Assert.Equal(faults, dev.Mmaps.Faults);
        Assert.Equal(0, dev.Mmaps.Revocations);
        Assert.Equal(0, dev.Mmaps.GlitchedReads);
        Assert.Equal(0, dev.Mmaps.MisplacedWrites);
    }

    [Fact]
    public void WedgeAndUnwedgeResetTheFencesWithoutRevokingAndTheStandaloneUnwedgeRestoresThem()
    {
        // __intel_gt_set_wedged and __intel_gt_unset_wedged each reset the hardware (__intel_gt_reset(gt,
        // ALL_ENGINES)) and revoke nothing; the resume path's intel_ggtt_restore_fences brings the registers back.
        using var t = TestDevice.Mmap(MmapResetPolicy.Revoke);
        GpuDevice dev = t.Dev;
        dev.OpenClient(out int c);
        (GttMapping? gtt, BufferMapping _) = Map(dev, c, TilingMode.X, Stride, Size);
        Fill(gtt, Seed);
        int present = gtt.PresentPages;
        dev.Wedge();
        Assert.Equal(0, dev.Mmaps.Revocations);
        Assert.Equal(present, gtt.PresentPages);
        Assert.True(dev.Unwedge());
        Assert.Equal(0, dev.Mmaps.Revocations);
        AssertFilled(gtt, Seed);
        Assert.Equal(0, dev.Mmaps.GlitchesOn(HardwareResetPath.FullReset));
    }
}
