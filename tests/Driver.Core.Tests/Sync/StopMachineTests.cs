using Driver.Core.Sync;

namespace Driver.Core.Tests.Sync;

public sealed class StopMachineTests
{
    [Fact]
    public void RunWaitsForThreadsInsideARegionToLeave()
    {
        var machine = new StopMachine("drain");
        int inside = 0;
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var submitter = TestThread.Start("submitter", () =>
        {
            using (machine.Region())
            {
                Volatile.Write(ref inside, 1);
                entered.Set();
                Assert.True(release.Wait(Bound.Long));
                Volatile.Write(ref inside, 0);
            }
        });
        Assert.True(entered.Wait(Bound.Long));

        // While the submitter is inside, the world cannot be stopped: the action must not run.
        bool ranEarly = false;
        Assert.False(machine.Run(() => ranEarly = true, Bound.Short));
        Assert.False(ranEarly);
        Assert.Equal(0, machine.Stops);

        int observedInside = -1;
        long drains = machine.DrainWaits;
        var stopper = TestThread.Start("stopper", () =>
            Assert.True(machine.Run(() => observedInside = Volatile.Read(ref inside), Bound.Long)));
        // Release the submitter only once the stopper is waiting for it to leave: the wait this test is about.
        Poll.Until(() => machine.DrainWaits > drains, "the stopper to wait for the submitter's region");
        release.Set();
        stopper.Join();
        submitter.Join();

        // The action ran only after the submitter had left its region.
        Assert.Equal(0, observedInside);
        Assert.Equal(1, machine.Stops);
    }

    [Fact]
    public void EnterRegionBlocksWhileAStopIsInProgress()
    {
        var machine = new StopMachine("gate");
        int actionFinished = 0;
        int sawActionFinished = -1;
        using var entered = new ManualResetEventSlim();
        TestThread? submitter = null;

        Assert.True(machine.Run(
            () =>
            {
                submitter = TestThread.Start("submitter", () =>
                {
                    using (machine.Region())
                    {
                        sawActionFinished = Volatile.Read(ref actionFinished);
                        entered.Set();
                    }
                });

                // The submitter met the stop and waits at the gate: the world is stopped, so it must not get in.
                Poll.Until(() => machine.GateWaits > 0, "the submitter to wait at the gate");
                Assert.False(entered.IsSet);
                Volatile.Write(ref actionFinished, 1);
            },
            Bound.Long));

        Assert.NotNull(submitter);
        submitter.Join();
        Assert.True(entered.IsSet);

        // Ordering proof: by the time it got in, the action had completed.
        Assert.Equal(1, sawActionFinished);
    }

    [Fact]
    public void ParticipantsAreParkedDuringTheActionAndUnparkedAfter()
    {
        var machine = new StopMachine("park");
        using var rcs = new FakeEngine("rcs0");
        using var bcs = new FakeEngine("bcs0");
        machine.Register(rcs);
        machine.Register(bcs);
        machine.Register(rcs); // duplicate registration is ignored
        rcs.WaitForProgressBeyond(0);
        bcs.WaitForProgressBeyond(0);

        bool parkedAtStart = false;
        bool parkedAtEnd = false;
        long rcsAtStart = 0;
        long rcsAtEnd = -1;
        Assert.True(machine.Run(
            () =>
            {
                parkedAtStart = rcs.IsParked && bcs.IsParked;
                rcsAtStart = rcs.Iterations;

                // Another stoppable thread doing work alongside the action is what stop_machine rules out.
                Thread.SpinWait(1000);
                rcsAtEnd = rcs.Iterations;
                parkedAtEnd = rcs.IsParked && bcs.IsParked;
            },
            Bound.Long));

        Assert.True(parkedAtStart);
        Assert.True(parkedAtEnd);
        Assert.Equal(rcsAtStart, rcsAtEnd);
        Assert.False(rcs.IsParked);
        Assert.False(bcs.IsParked);
        Assert.Equal(1, rcs.ParkCalls);
        Assert.Equal(1, rcs.UnparkCalls);
        Assert.Equal(1, bcs.ParkCalls);
        Assert.Equal(1, bcs.UnparkCalls);
        rcs.WaitForProgressBeyond(rcsAtEnd);
        bcs.WaitForProgressBeyond(bcs.Iterations);

        // Unregistered participants are left alone by later stops.
        machine.Unregister(bcs);
        Assert.True(machine.Run(() => { }, Bound.Long));
        Assert.Equal(2, rcs.ParkCalls);
        Assert.Equal(1, bcs.ParkCalls);
        Assert.Equal(2, machine.Stops);
    }

    [Fact]
    public void RunTimesOutAndResumesEverythingWhenAParticipantRefusesToPark()
    {
        var machine = new StopMachine("refuse");
        using var engine = new FakeEngine("vcs0");
        var stuck = new RefusingParticipant("vecs0");
        machine.Register(engine);
        machine.Register(stuck);

        bool ran = false;
        Assert.False(machine.Run(() => ran = true, Bound.Short));

        Assert.False(ran);
        Assert.Equal(0, machine.Stops);
        Assert.Equal(1, engine.ParkCalls);
        Assert.Equal(1, engine.UnparkCalls);
        Assert.False(engine.IsParked);
        Assert.Equal(1, stuck.ParkCalls);
        Assert.Equal(0, stuck.UnparkCalls);

        // Everything resumed: the engine runs again and the region gate is open.
        engine.WaitForProgressBeyond(engine.Iterations);
        var submitter = TestThread.Start("submitter", () =>
        {
            using (machine.Region())
            {
            }
        });
        submitter.Join();

        machine.Unregister(stuck);
        Assert.True(machine.Run(() => ran = true, Bound.Long));
        Assert.True(ran);
        Assert.Equal(1, machine.Stops);
    }

    [Fact]
    public void ExceptionFromTheActionPropagatesAfterEverythingResumes()
    {
        var machine = new StopMachine("throw");
        using var engine = new FakeEngine("ccs0");
        machine.Register(engine);

        Assert.Throws<NotSupportedException>(() => machine.Run(() => throw new NotSupportedException("boom"), Bound.Long));

        Assert.False(engine.IsParked);
        Assert.Equal(1, engine.UnparkCalls);
        using (machine.Region())
        {
        }

        Assert.True(machine.Run(() => { }, Bound.Long));
    }

    [Fact]
    public void RunFromInsideARegionThrows()
    {
        var machine = new StopMachine("self");
        using (machine.Region())
        {
            Assert.Throws<InvalidOperationException>(() => machine.Run(() => { }, Bound.Long));
        }

        Assert.Equal(0, machine.Stops);
        Assert.True(machine.Run(() => { }, Bound.Long));
    }

    [Fact]
    public void NestedRunThrowsButTheStopperMayEnterRegions()
    {
        var machine = new StopMachine("nested");
        Exception? nested = null;
        bool enteredRegion = false;
        Assert.True(machine.Run(
            () =>
            {
                nested = Record.Exception(() => machine.Run(() => { }, Bound.Long));
                using (machine.Region())
                {
                    enteredRegion = true;
                }
            },
            Bound.Long));

        Assert.IsType<InvalidOperationException>(nested);
        Assert.True(enteredRegion);
        Assert.Equal(1, machine.Stops);
    }

    [Fact]
    public void RegionsNestAndUnbalancedExitThrows()
    {
        var machine = new StopMachine("nest");
        Assert.Throws<InvalidOperationException>(machine.ExitRegion);
        machine.EnterRegion();
        machine.EnterRegion();
        machine.ExitRegion();
        machine.ExitRegion();
        Assert.Throws<InvalidOperationException>(machine.ExitRegion);
    }

    [Fact]
    public void NestedRegionHoldsOffTheStopUntilTheOutermostExit()
    {
        var machine = new StopMachine("nest-hold");
        using var innerLeft = new ManualResetEventSlim();
        using var leaveOuter = new ManualResetEventSlim();
        var submitter = TestThread.Start("submitter", () =>
        {
            machine.EnterRegion();
            machine.EnterRegion();
            machine.ExitRegion();
            innerLeft.Set();
            Assert.True(leaveOuter.Wait(Bound.Long));
            machine.ExitRegion();
        });

        Assert.True(innerLeft.Wait(Bound.Long));
        Assert.False(machine.Run(() => { }, Bound.Short));
        leaveOuter.Set();
        submitter.Join();
        Assert.True(machine.Run(() => { }, Bound.Long));
    }

    [Fact]
    public void ThreadThatDiedInsideARegionDoesNotBlockStops()
    {
        var machine = new StopMachine("died-inside");
        var submitter = TestThread.Start("submitter", machine.EnterRegion);
        submitter.Join();
        Assert.True(machine.Run(() => { }, Bound.Long));
    }

    [Fact]
    public void RegionScopeDoesNotAllocate()
    {
        var machine = new StopMachine("alloc");
        for (int i = 0; i < 100; i++)
        {
            using (machine.Region())
            {
            }
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            using (machine.Region())
            {
                machine.EnterRegion();
                machine.ExitRegion();
            }
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
