using Driver.Core.Locking;
using Driver.Core.Sync;

namespace Driver.Core.Tests.Sync;

/// <summary>
/// stop_machine() stops every CPU, not only the threads inside a region: a registered CPU that is busy outside any
/// region holds the stop off until it reaches a safe point, makes no progress while the action runs, and a sleeping
/// (idle) CPU does not hold the stop off but cannot come back until it is over. cpu_hotplug_lock and the stop's own map
/// are validated.
/// </summary>
public sealed class StopMachineCpuTests
{
    [Fact]
    public void RunWaitsForABusyCpuOutsideAnyRegionAndHoldsItAtItsSafePoint()
    {
        var machine = new StopMachine("cpus");
        long progress = 0;
        int useSafePoints = 0;
        int stop = 0;
        using var registered = new ManualResetEventSlim();
        var cpuThread = TestThread.Start("cpu1", () =>
        {
            using StopMachineCpu cpu = machine.RegisterCpu();
            registered.Set();
            while (Volatile.Read(ref stop) == 0)
            {
                Interlocked.Increment(ref progress);
                if (Volatile.Read(ref useSafePoints) != 0)
                {
                    cpu.SafePoint(); // cond_resched
                }
            }
        });
        Assert.True(registered.Wait(Bound.Long));
        Assert.Equal(1, machine.CpuCount);

        // Busy and never at a safe point: the world cannot be stopped (the old region-only model stopped it at once).
        bool ranEarly = false;
        Assert.False(machine.Run(() => ranEarly = true, Bound.Short));
        Assert.False(ranEarly);
        Assert.True(machine.CpuWaits > 0);

        Volatile.Write(ref useSafePoints, 1);
        long before = 0;
        long after = 0;
        Assert.True(machine.Run(
            () =>
            {
                before = Volatile.Read(ref progress);
                Thread.Sleep(20); // the world is stopped: the CPU must not move meanwhile
                after = Volatile.Read(ref progress);
            },
            Bound.Long));
        Assert.Equal(before, after);

        // Resumed afterwards.
        long resumed = Volatile.Read(ref progress);
        Poll.Until(() => Volatile.Read(ref progress) > resumed, "the CPU to run again after the stop");
        Volatile.Write(ref stop, 1);
        cpuThread.Join();
        Assert.Equal(0, machine.CpuCount);
    }

    [Fact]
    public void AnIdleCpuDoesNotHoldTheStopOffButCannotWakeUntilItIsOver()
    {
        var machine = new StopMachine("idle");
        using var idle = new ManualResetEventSlim();
        using var wake = new ManualResetEventSlim();
        int wokeDuringAction = -1;
        int actionOver = 0;
        StopMachineCpu? registered = null;
        var cpuThread = TestThread.Start("cpu1", () =>
        {
            using StopMachineCpu cpu = machine.RegisterCpu();
            registered = cpu;
            using (cpu.Idle())
            {
                idle.Set();
                Assert.True(wake.Wait(Bound.Long));
            }

            wokeDuringAction = Volatile.Read(ref actionOver) == 0 ? 1 : 0;
        });
        Assert.True(idle.Wait(Bound.Long));
        Assert.True(machine.Run(
            () =>
            {
                wake.Set();
                Poll.Until(() => registered!.Parks > 0, "the waking CPU to park");
                Volatile.Write(ref actionOver, 1);
            },
            Bound.Long));
        cpuThread.Join();
        Assert.Equal(0, wokeDuringAction);
    }

    [Fact]
    public void ACpuInsideARegionParksAtTheRegionsEnd()
    {
        var machine = new StopMachine("region-end");
        using var inside = new ManualResetEventSlim();
        using var leave = new ManualResetEventSlim();
        StopMachineCpu? parkedCpu = null;
        var cpuThread = TestThread.Start("cpu1", () =>
        {
            using StopMachineCpu cpu = machine.RegisterCpu();
            parkedCpu = cpu;
            using (machine.Region())
            {
                inside.Set();
                Assert.True(leave.Wait(Bound.Long));
            }

            // Only after the stop: the end of the region parked this thread.
        });
        Assert.True(inside.Wait(Bound.Long));
        long drains = machine.DrainWaits;
        var stopper = TestThread.Start("stopper", () => Assert.True(machine.Run(() => { }, Bound.Long)));
        Poll.Until(() => machine.DrainWaits > drains, "the stop to wait for the region");
        leave.Set();
        stopper.Join();
        cpuThread.Join();
        Assert.NotNull(parkedCpu);
        Assert.Equal(1, parkedCpu.Parks);
    }

    [Fact]
    public void RunTakesCpuHotplugLockForRead_StopMachineUnderALockTheActionNeedsIsReported()
    {
        // stop_machine() = cpus_read_lock() + stop_machine_cpuslocked(): L → cpu_hotplug_lock → stop_machine:NAME.
        var v = new LockValidator { Enabled = true };
        var machine = new StopMachine("validated", v);
        var l = new DriverMutex(v.Class("driver_lock"));
        TestThread.Run("stopper", () =>
        {
            using (l.Acquire())
            {
                Assert.True(machine.Run(() => { }, Bound.Long));
            }
        });
        Assert.Empty(v.Reports);

        // A CPU that reaches its safe point while holding driver_lock, while an action takes it: a real deadlock.
        TestThread.Run("cpu1", () =>
        {
            using StopMachineCpu cpu = machine.RegisterCpu();
            using (l.Acquire())
            {
                cpu.SafePoint();
            }
        });
        TestThread.Run("stopper2", () => Assert.True(machine.Run(() => { using (l.Acquire()) { } }, Bound.Long)));

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
        Assert.Contains("stop_machine:validated", report.Chain);
    }

    [Fact]
    public void SafePointWithNothingHeldAndAnActionTakingALock_IsSilent()
    {
        var v = new LockValidator { Enabled = true };
        var machine = new StopMachine("silent", v);
        var l = new DriverMutex(v.Class("driver_lock"));
        TestThread.Run("cpu1", () =>
        {
            using StopMachineCpu cpu = machine.RegisterCpu();
            cpu.SafePoint();
            using (l.Acquire())
            {
            }

            cpu.SafePoint();
        });
        TestThread.Run("stopper", () => Assert.True(machine.Run(() => { using (l.Acquire()) { } }, Bound.Long)));
        Assert.Empty(v.Reports);
    }

    [Fact]
    public void RegionEnteredWithALockHeldThatTheActionTakes_IsReported()
    {
        var v = new LockValidator { Enabled = true };
        var machine = new StopMachine("region", v);
        var l = new DriverMutex(v.Class("driver_lock"));
        TestThread.Run("submitter", () =>
        {
            using (l.Acquire())
            using (machine.Region())
            {
            }
        });
        TestThread.Run("stopper", () => Assert.True(machine.Run(() => { using (l.Acquire()) { } }, Bound.Long)));
        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
    }
}
