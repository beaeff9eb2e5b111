using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Isa;

/// <summary>SEMAPHORE_WAIT blocks the engine until memory satisfies the comparison with the inline data.</summary>
public class SemaphoreWaitTests
{
    private const uint Data = 10;

    [Theory]
    [InlineData(CompareOp.Greater, 10u, 11u)]
    [InlineData(CompareOp.Greater, 0u, 0xffffffffu)]
    [InlineData(CompareOp.GreaterOrEqual, 9u, 10u)]
    [InlineData(CompareOp.Less, 10u, 9u)]
    [InlineData(CompareOp.Less, 0xffffffffu, 0u)]
    [InlineData(CompareOp.LessOrEqual, 11u, 10u)]
    [InlineData(CompareOp.Equal, 0u, 10u)]
    [InlineData(CompareOp.NotEqual, 10u, 11u)]
    public void BlocksUntilTheCpuWritesASatisfyingValue(CompareOp op, uint failing, uint satisfying)
    {
        Assert.False(Mi.Evaluate(op, failing, Data));
        Assert.True(Mi.Evaluate(op, satisfying, Data));
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer sem = t.NewBuffer();
        sem[0] = failing;
        TestBuffer batch = t.NewBuffer();
        batch.Write(new BatchBuilder()
            .StoreDword(sem.At(1), 1)             // reached the wait
            .SemaphoreWait(sem.At(0), op, Data)   // at byte 12
            .StoreDword(sem.At(2), 2)             // after the wait
            .End());
        DmaFence f = t.Submit(batch, EngineId.Vcs0, 0, null, sem);

        // The engine is polling the semaphore: its head sits on the wait instruction.
        Poll.Until(() => t.Engine(EngineId.Vcs0).Head == batch.Address + 12, "engine never reached the semaphore");
        Assert.Equal(1u, sem[1]);
        Assert.Equal(0u, sem[2]);
        Assert.False(f.IsSignaled);

        sem[0] = satisfying;
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        Assert.Equal(2u, sem[2]);
        Assert.Equal(0, t.Dev.Reset.TotalEngineResets);
    }

    [Fact]
    public void WaitingSemaphoreYieldsToHeartbeatsAndIsNotAHang()
    {
        using var t = TestDevice.StarvationTolerant();
        TestBuffer sem = t.NewBuffer();
        DmaFence f = t.Submit(new BatchBuilder().SemaphoreWait(sem.At(0), CompareOp.Equal, 1).StoreDword(sem.At(1), 2).End(), EngineId.Rcs0);
        long pulses = t.Dev.Heartbeat.Pulses;
        // A second pulse is only sent once the first was taken: the semaphore poll is an arbitration point.
        Poll.Until(() => t.Dev.Heartbeat.Pulses >= pulses + 2, "the waiting batch never yielded to a pulse");
        Assert.False(f.IsSignaled);
        sem[0] = 1;
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        Assert.Equal(2u, sem[1]);
        Assert.Equal(0, t.Dev.Reset.TotalEngineResets);
    }

    [Theory]
    [InlineData(CompareOp.Greater, 11u)]
    [InlineData(CompareOp.GreaterOrEqual, 10u)]
    [InlineData(CompareOp.Less, 9u)]
    [InlineData(CompareOp.LessOrEqual, 10u)]
    [InlineData(CompareOp.Equal, 10u)]
    [InlineData(CompareOp.NotEqual, 0u)]
    public void AlreadySatisfiedDoesNotBlock(CompareOp op, uint value)
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer sem = t.NewBuffer();
        sem[0] = value;
        DmaFence f = t.Submit(new BatchBuilder().SemaphoreWait(sem.At(0), op, Data).StoreDword(sem.At(1), 1).End());
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        Assert.Equal(1u, sem[1]);
    }

    [Fact]
    public void AnotherEngineCanReleaseTheSemaphore()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer sem = t.NewBuffer();
        DmaFence waiter = t.Submit(new BatchBuilder().SemaphoreWait(sem.At(0), CompareOp.Equal, 1).StoreDword(sem.At(1), 2).End(), EngineId.Rcs0);
        Poll.Until(() => t.Engine(EngineId.Rcs0).Head != 0, "rcs0 to start the waiting batch");
        Assert.False(waiter.IsSignaled);
        DmaFence releaser = t.Submit(new BatchBuilder().StoreDword(sem.At(0), 1).End(), EngineId.Bcs0);
        Assert.True(releaser.Wait(Bound.Long));
        Assert.True(waiter.Wait(Bound.Long));
        Assert.Equal(1, waiter.Status);
        Assert.Equal(2u, sem[1]);
    }
}
