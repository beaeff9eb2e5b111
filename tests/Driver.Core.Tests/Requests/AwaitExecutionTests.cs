using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Core.Requests;

namespace Driver.Core.Tests.Requests;

/// <summary>
/// Request.AwaitExecution, the core of I915_EXEC_FENCE_SUBMIT (i915_request_await_execution, __await_execution and
/// __notify_execute_cb): the waiter is released when its signaler is made active on its engine, not when it completes;
/// a signaler that never executes releases it as it signals; the release never carries the signaler's error
/// (irq_execute_cb completes the submit fence and nothing else); every waiter is released exactly once.
/// The engine's part is played here by hand: MarkExecuting, a full barrier, NotifyExecute.
/// </summary>
public class AwaitExecutionTests
{
    private readonly StatusPageAllocator _pages = new(new DeviceMemory(64 * DeviceMemory.PageSize), new Driver.Core.Memory.Ggtt(64 * DeviceMemory.PageSize));
    private readonly Client _client;

    public AwaitExecutionTests() => _client = new Client(1, "await-execution", privileged: false, _pages);

    private Timeline NewTimeline(EngineId engine = EngineId.Rcs0) => _client.CreateContext().GetTimeline(engine);

    /// <summary>Builds a request on <paramref name="tl"/>; <paramref name="build"/> adds its awaits before the commit.</summary>
    private static Request Build(Timeline tl, Action<Request>? build, Action<Request> onReady)
    {
        using (tl.Mutex.Acquire())
        {
            var rq = new Request(tl, tl.NextSeqno(), 0, RequestFlags.None);
            build?.Invoke(rq);
            tl.Last = rq;
            rq.Commit(onReady);
            return rq;
        }
    }

    /// <summary>What an engine does as it takes a request (__i915_request_submit).</summary>
    private static void Execute(Request rq)
    {
        rq.MarkExecuting();
        Interlocked.MemoryBarrier();
        rq.NotifyExecute();
    }

    /// <summary>What an engine does when the request's breadcrumb lands.</summary>
    private static void Complete(Request rq)
    {
        rq.Timeline.WriteBreadcrumb(rq.Seqno);
        Assert.True(rq.Signal());
    }

    /// <summary>A cancel on the CPU (the wedge's nop handler, a reset's cancel): -EIO, skipped, signalled.</summary>
    private static void Cancel(Request rq)
    {
        rq.SetErrorOnce(-Errno.EIO);
        rq.Skip = true;
        rq.MarkCompleteOnCpu();
        Assert.True(rq.Signal());
    }

    [Fact]
    public void TheWaiterIsReleasedWhenItsSignalerBeginsExecuting_NotWhenItCompletes()
    {
        // i915_request_await_execution: "submit both requests at the same time".
        int ready = 0;
        Request signal = Build(NewTimeline(), null, _ => { });
        Request waiter = Build(NewTimeline(EngineId.Bcs0), rq => rq.AwaitExecution(signal), _ => Interlocked.Increment(ref ready));

        Assert.Equal(0, ready);
        Assert.True(signal.HasExecuteCallbacks);
        Execute(signal);
        Assert.Equal(1, ready);
        Assert.False(signal.IsSignaled);
        Assert.False(signal.HasExecuteCallbacks);
        Assert.Equal(0, waiter.Error);
        Assert.Contains(signal, waiter.InFences);

        // Executing again (a preempted batch put back on the engine) does not release anything twice.
        Execute(signal);
        Complete(signal);
        Assert.Equal(1, ready);
    }

    [Fact]
    public void AWaiterBuiltAfterItsSignalerWentToTheHardwareIsReleasedAtOnce()
    {
        // __await_execution's second bite: the callback is registered, then the active flag seen, and run at once.
        Request signal = Build(NewTimeline(), null, _ => { });
        Execute(signal);
        int ready = 0;
        Build(NewTimeline(EngineId.Bcs0), rq => rq.AwaitExecution(signal), _ => Interlocked.Increment(ref ready));
        Assert.Equal(1, ready);
    }

    [Fact]
    public void ASignalerThatGoesToTheHardwareSkipped_HandsNothingDown()
    {
        // A signaler whose own in-fence failed fatally is skipped when submitted (__i915_request_skip in
        // __i915_request_submit), but it is still submitted, and the execute callback it runs (irq_execute_cb) only
        // completes the waiter's submit fence: the waiter keeps no error and runs its payload.
        Request signal = Build(NewTimeline(), null, _ => { });
        Request waiter = Build(NewTimeline(EngineId.Bcs0), rq => rq.AwaitExecution(signal), _ => { });
        signal.SetErrorOnce(-Errno.ENOENT);
        signal.Skip = true;
        Execute(signal);

        Assert.Equal(-Errno.ENOENT, signal.Error);
        Assert.Equal(0, waiter.Error);
        Assert.False(waiter.Skip);
        Assert.False(waiter.IsSignaled);
    }

    [Fact]
    public void ASignalerCancelledBeforeItExecutes_ReleasesItsWaiter_WhichMeetsTheWedgeItself_ErrorBeforeSignal()
    {
        // Cancelled while queued (a wedge's cancel, a reset's skip of banned work): it never reaches the hardware, so
        // its waiters go as it signals, with no error of its; the waiter's own submission then meets whatever the
        // engine does — here a wedged engine's nop handler, which cancels it with -EIO in its turn.
        Request signal = Build(NewTimeline(), null, _ => { });
        Request? submitted = null;
        Request waiter = Build(NewTimeline(EngineId.Bcs0), rq => rq.AwaitExecution(signal), rq =>
        {
            submitted = rq;
            // A wedged engine's nop handler cancels what it is given.
            Cancel(rq);
        });

        Cancel(signal);

        Assert.Same(waiter, submitted);
        Assert.Equal(-Errno.EIO, waiter.Status);
        Assert.Equal(1, waiter.SignalAttempts);
        Assert.Equal(1, signal.SignalAttempts);
    }

    [Fact]
    public void ASignalerThatExecutedHandsDownNothingOfWhatBefallsItLater()
    {
        // Once running, the bond is made: a hang of the signaler afterwards is its own (the kernel's execute_cb carries
        // no error, and an await on an already signalled fence is skipped).
        Request signal = Build(NewTimeline(), null, _ => { });
        Request waiter = Build(NewTimeline(EngineId.Bcs0), rq => rq.AwaitExecution(signal), _ => { });
        Execute(signal);
        signal.SetErrorOnce(-Errno.EIO);
        Complete(signal);

        Assert.Equal(0, waiter.Error);
        Assert.False(waiter.Skip);
    }

    [Fact]
    public void ASignalerOnTheWaitersOwnTimelineIsNotAwaited()
    {
        // i915_request_await_execution skips a fence of the request's own timeline: the ring orders them already.
        Timeline tl = NewTimeline();
        Request first = Build(tl, null, _ => { });
        int ready = 0;
        Request second = Build(tl, rq => rq.AwaitExecution(first), _ => Interlocked.Increment(ref ready));
        Assert.Equal(1, ready);
        Assert.False(first.HasExecuteCallbacks);
        Assert.Empty(second.InFences);
    }

    [Fact]
    public void ManyWaitersOnOneSignaler_EachReleasedOnce_WhileTheSignalerIsMadeActiveConcurrently()
    {
        // The lock-free list against the engine's notification: whichever side takes a node runs it, once. Repeated
        // with fresh requests so the push and the notification race in every order.
        Timeline signals = NewTimeline();
        Timeline waiters = NewTimeline(EngineId.Bcs0);
        DateTime end = DateTime.UtcNow + TimeSpan.FromMilliseconds(500);
        int rounds = 0;
        while (DateTime.UtcNow < end || rounds < 20)
        {
            rounds++;
            Request signal = Build(signals, null, _ => { });
            const int N = 16;
            int[] released = new int[N];
            using var go = new ManualResetEventSlim(false);
            var notifier = TestThread.Start("engine", () =>
            {
                Assert.True(go.Wait(Bound.Long));
                Execute(signal);
            });
            go.Set();
            for (int i = 0; i < N; i++)
            {
                int slot = i;
                Build(waiters, rq => rq.AwaitExecution(signal), _ => Interlocked.Increment(ref released[slot]));
            }

            notifier.Join();
            Assert.All(released, n => Assert.Equal(1, n));
            Assert.False(signal.HasExecuteCallbacks);
            Complete(signal);
        }
    }
}
