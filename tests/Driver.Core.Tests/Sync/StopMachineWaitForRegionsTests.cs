using Driver.Core.Sync;

namespace Driver.Core.Tests.Sync;

/// <summary>
/// StopMachine.WaitForRegions, the fallback of a stop that cannot park everyone (a wedge whose engine will not stop):
/// it must still wait for every region that began before it, without parking anyone, and leave the gate open after.
/// </summary>
public sealed class StopMachineWaitForRegionsTests
{
    [Fact]
    public void WaitsForARegionThatBeganBeforeItEvenWithARefusingParticipant()
    {
        var machine = new StopMachine("fallback");
        var refusing = new RefusingParticipant("engine that will not stop");
        machine.Register(refusing);
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        int left = 0;
        var reader = TestThread.Start("reader", () =>
        {
            using (machine.Region())
            {
                entered.Set();
                Assert.True(release.Wait(Bound.Long));
                Volatile.Write(ref left, 1);
            }
        });
        Assert.True(entered.Wait(Bound.Long));

        // Run() cannot stop the world within its budget (the reader is inside, and the participant would refuse).
        Assert.False(machine.Run(() => { }, TimeSpan.FromMilliseconds(20)));
        int parkCalls = refusing.ParkCalls;

        bool drained = false;
        var waiter = TestThread.Start("waiter", () => drained = machine.WaitForRegions(Bound.Long));
        Poll.Until(() => machine.DrainWaits > 0, "the waiter to find the reader inside its region");
        Assert.False(Volatile.Read(ref drained));
        release.Set();
        waiter.Join();
        reader.Join();

        Assert.True(drained);
        Assert.Equal(1, Volatile.Read(ref left));
        // Nobody was parked by the fallback, and the gate is open again: a new region enters without waiting.
        Assert.Equal(parkCalls, refusing.ParkCalls);
        long gateWaits = machine.GateWaits;
        using (machine.Region())
        {
        }

        Assert.Equal(gateWaits, machine.GateWaits);
    }

    [Fact]
    public void TimesOutAndReopensTheGateWhenARegionNeverLeaves()
    {
        var machine = new StopMachine("fallback-timeout");
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var reader = TestThread.Start("reader", () =>
        {
            using (machine.Region())
            {
                entered.Set();
                Assert.True(release.Wait(Bound.Long));
            }
        });
        Assert.True(entered.Wait(Bound.Long));

        Assert.False(machine.WaitForRegions(TimeSpan.FromMilliseconds(20)));

        // The gate reopened: another thread enters at once.
        var other = TestThread.Start("other", () =>
        {
            using (machine.Region())
            {
            }
        });
        other.Join();
        release.Set();
        reader.Join();
    }
}
