using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Isa;
using Driver.Testing.Gt;

namespace Driver.Engines.Tests.Engines;

/// <summary>
/// I915_EXEC_FENCE_SUBMIT on the simulated engines (i915_request_await_execution): a request built with a submit fence
/// is released when its signaler is made active on its engine (__i915_request_submit's __notify_execute_cb), so the two
/// run at once on two engines, or take turns through MI_SEMAPHORE_WAIT on one (timeslicing, with the yield at an
/// unsatisfied semaphore) — what I915_SCHEDULER_CAP_SEMAPHORES promises IGT's gem_exec_fence@submit*. A bare GT: no
/// heartbeat, no reset policy.
/// </summary>
public sealed class SubmitFenceTests : IDisposable
{
    private readonly GtHarness _h = new();

    public void Dispose() => _h.Dispose();

    private Request Submit(TestBuffer batch, EngineId engine, GpuContext ctx, IReadOnlyList<DmaFence>? inFences = null,
        IReadOnlyList<DmaFence>? submitFences = null) =>
        _h.Gt.CreateAndSubmit(ctx, engine, batch.Address, RequestFlags.None, inFences, submitFences: submitFences);

    private TestBuffer Batch(BatchBuilder b)
    {
        TestBuffer batch = _h.NewBuffer();
        batch.Write(b);
        return batch;
    }

    /// <summary>A spinner that cannot be preempted (no arbitration point): stores 1 to <paramref name="started"/>, loops.</summary>
    private TestBuffer Spinner(uint started)
    {
        TestBuffer batch = _h.NewBuffer();
        batch.Write(new BatchBuilder().StoreDword(started, 1).Jump(batch.Address + 12));
        return batch;
    }

    [Fact]
    public void TheWaiterRunsOnAnotherEngineWhileItsSignalerStillSpins()
    {
        // i915_request_await_execution: the waiter starts with its signaler, not after it.
        TestBuffer flags = _h.NewBuffer();
        TestBuffer spin = Spinner(flags.At(0));
        Request signal = Submit(spin, EngineId.Rcs0, _h.Client.CreateContext());
        Request waiter = Submit(Batch(new BatchBuilder().StoreDword(flags.At(1), 0xd0df0d).End()), EngineId.Bcs0,
            _h.Client.CreateContext(), submitFences: [signal]);

        Assert.True(waiter.Wait(Bound.Long), "the submit-fence waiter never ran");
        Assert.Equal(1, waiter.Status);
        Assert.Equal(0xd0df0du, flags[1]);
        Assert.False(signal.IsSignaled);
        Assert.Same(signal, _h.Gt[EngineId.Rcs0].Active);

        spin[3] = Mi.BatchBufferEnd;
        Assert.True(signal.Wait(Bound.Long));
    }

    [Fact]
    public void TheWaiterIsHeldUntilItsSignalerIsSubmittedToTheHardware()
    {
        // The signaler is itself held on an in-fence: nothing may start before it does.
        var gate = new DmaFence();
        TestBuffer flags = _h.NewBuffer();
        Request signal = Submit(Batch(new BatchBuilder().StoreDword(flags.At(0), 1).End()), EngineId.Rcs0,
            _h.Client.CreateContext(), inFences: [gate]);
        Request waiter = Submit(Batch(new BatchBuilder().StoreDword(flags.At(1), 2).End()), EngineId.Bcs0,
            _h.Client.CreateContext(), submitFences: [signal]);

        Assert.False(waiter.IsSubmitted);
        Assert.False(waiter.Wait(TimeSpan.FromMilliseconds(20)));
        Assert.Equal(0u, flags[1]);

        Assert.True(gate.Signal());
        Assert.True(waiter.Wait(Bound.Long));
        Assert.True(signal.Wait(Bound.Long));
        Assert.Equal(1, waiter.Status);
        Assert.Equal(2u, flags[1]);
    }

    [Fact]
    public void AForeignSubmitFenceIsAwaitedToItsSignal()
    {
        // i915_request_await_execution → i915_request_await_external: a fence with no notion of execution is an
        // ordinary in-fence.
        var foreign = new DmaFence();
        TestBuffer flags = _h.NewBuffer();
        Request waiter = Submit(Batch(new BatchBuilder().StoreDword(flags.At(0), 7).End()), EngineId.Bcs0,
            _h.Client.CreateContext(), submitFences: [foreign]);

        Assert.False(waiter.Wait(TimeSpan.FromMilliseconds(20)));
        Assert.False(waiter.IsSubmitted);
        Assert.True(foreign.Signal());
        Assert.True(waiter.Wait(Bound.Long));
        Assert.Equal(7u, flags[0]);
    }

    [Fact]
    public void ASignalerSkippedForAFatalInFenceErrorHandsNothingDown()
    {
        // The signaler's in-fence failed: it goes to the hardware skipped (__i915_request_skip) and fails with that
        // error; its waiter is released as the signaler is submitted (irq_execute_cb completes its submit fence, no
        // error passes) and runs its own payload.
        var failed = new DmaFence();
        TestBuffer flags = _h.NewBuffer();
        Request signal = Submit(Batch(new BatchBuilder().StoreDword(flags.At(0), 1).End()), EngineId.Rcs0,
            _h.Client.CreateContext(), inFences: [failed]);
        Request waiter = Submit(Batch(new BatchBuilder().StoreDword(flags.At(1), 2).End()), EngineId.Bcs0,
            _h.Client.CreateContext(), submitFences: [signal]);

        Assert.True(failed.SetError(-Errno.ENOENT));
        Assert.True(failed.Signal());

        Assert.True(waiter.Wait(Bound.Long));
        Assert.True(signal.Wait(Bound.Long));
        Assert.Equal(-Errno.ENOENT, signal.Status);
        Assert.Equal(1, waiter.Status);
        Assert.Equal(0u, flags[0]);
        Assert.Equal(2u, flags[1]);
        Assert.Equal(1, waiter.SignalAttempts);
    }

    /// <summary>
    /// The pair gem_exec_fence@submit builds: each batch stores the next odd (or even) number and waits for its
    /// partner's, so neither ends unless both run, turn by turn.
    /// </summary>
    private (TestBuffer First, TestBuffer Second) PingPong(TestBuffer flags, int steps)
    {
        uint at = flags.At(0);
        var first = new BatchBuilder();
        var second = new BatchBuilder();
        for (uint x = 1; x <= (uint)steps * 2; x += 2)
        {
            first.StoreDword(at, x).SemaphoreWait(at, CompareOp.Equal, x + 1);
            second.SemaphoreWait(at, CompareOp.Equal, x).StoreDword(at, x + 1);
        }

        return (Batch(first.End()), Batch(second.End()));
    }

    [Theory]
    [InlineData(EngineId.Bcs0)]
    [InlineData(EngineId.Rcs0)]
    public void PartnersJoinedByASubmitFenceTakeTurnsThroughSemaphores(EngineId partnerEngine)
    {
        // Bcs0: two engines, each polling the other's writes in shared memory. Rcs0: one engine, two contexts; the
        // partner can only run because a batch waiting on a semaphore gives up the engine (timeslicing).
        const int Steps = 8;
        TestBuffer flags = _h.NewBuffer();
        (TestBuffer first, TestBuffer second) = PingPong(flags, Steps);
        Request a = Submit(first, EngineId.Rcs0, _h.Client.CreateContext());
        Request b = Submit(second, partnerEngine, _h.Client.CreateContext(), submitFences: [a]);

        Assert.True(a.Wait(Bound.Long), $"the first batch never ended (flag {flags[0]})");
        Assert.True(b.Wait(Bound.Long), $"the second batch never ended (flag {flags[0]})");
        Assert.Equal(1, a.Status);
        Assert.Equal(1, b.Status);
        Assert.Equal((uint)Steps * 2, flags[0]);
    }

    [Fact]
    public void AChainOfSixtySevenSubmitFencedBatchesOnOneEngineRunsRoundRobin()
    {
        // gem_exec_fence@submit67: more partners than execlists ports, each waiting for its predecessor's store, each
        // released by its predecessor's start.
        const int Count = 67;
        const int Steps = 8;
        TestBuffer flags = _h.NewBuffer();
        uint at = flags.At(0);
        var requests = new Request[Count];
        for (int i = 0; i < Count; i++)
        {
            var b = new BatchBuilder();
            uint x = (uint)i;
            for (int step = 0; step < Steps; step++, x += Count)
            {
                b.SemaphoreWait(at, CompareOp.Equal, x).StoreDword(at, x + 1);
            }

            requests[i] = Submit(Batch(b.End()), EngineId.Rcs0, _h.Client.CreateContext(),
                submitFences: i == 0 ? null : [requests[i - 1]]);
        }

        foreach (Request rq in requests)
        {
            Assert.True(rq.Wait(Bound.Long), $"{rq} never ended (flag {flags[0]})");
            Assert.Equal(1, rq.Status);
        }

        Assert.Equal((uint)(Count * Steps), flags[0]);
    }
}
