using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Engines.Isa;
using Driver.Reset.Capture;
using Driver.Testing.Devices;
using Driver.Testing.Gt;
using static Driver.Uapi.Tests.Reset.ResetKit;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// EXEC_OBJECT_CAPTURE (eb_capture_stage → rq->capture_list; capture_user in intel_engine_coredump_add_request): when a
/// request hangs, the error state records the whole contents of the objects its execbuf marked, and of no other, as
/// "ENGINE --- user = 0xHI LO" sections that IGT's gem_exec_capture (check_error_state) and intel_error_decode read.
/// </summary>
[Collection(ResetCollection.Name)]
public sealed class ExecObjectCaptureTests
{
    [Fact]
    public void AHangRecordsEveryMarkedObjectWholeAndNoOther()
    {
        using var t = TestDevice.Fast();
        TestBuffer marked = t.NewBuffer(2 * 4096);
        TestBuffer alsoMarked = t.NewBuffer();
        TestBuffer unmarked = t.NewBuffer();
        for (int i = 0; i < 2 * 1024; i++)
        {
            marked[i] = 0xca970000u + (uint)i;
        }

        alsoMarked[7] = 0x5eed;
        unmarked[0] = 0xbadc0de;
        DmaFence hang = ExecHang(t, [marked.Handle, alsoMarked.Handle, unmarked.Handle], [marked.Handle, alsoMarked.Handle]);

        AssertStatus(-Errno.EIO, hang, "the hanging batch");
        WaitRecoveryIdle(t.Dev);
        GpuErrorState? state = t.Dev.ReadErrorState();
        Assert.NotNull(state);
        EngineErrorState engine = Assert.Single(state.Engines);
        Assert.Equal([marked.Address, alsoMarked.Address], engine.UserObjects.Select(o => o.Address));

        // The error file, as check_error_state parses it: one section per marked object at its address, whose
        // decoded length is the object's size and whose contents are the object's.
        string[] lines = t.Dev.ReadErrorFile().Split('\n');
        Assert.Equal(2, lines.Count(l => l.Contains("--- user = ", StringComparison.Ordinal)));
        uint[] first = ErrorObjectCodec.Decode(lines[Array.IndexOf(lines, $"rcs0 --- user = 0x00000000 {marked.Address:x8}") + 1]);
        Assert.Equal(2 * 1024, first.Length);
        for (int i = 0; i < first.Length; i++)
        {
            Assert.Equal(0xca970000u + (uint)i, first[i]);
        }

        uint[] second = ErrorObjectCodec.Decode(lines[Array.IndexOf(lines, $"rcs0 --- user = 0x00000000 {alsoMarked.Address:x8}") + 1]);
        Assert.Equal(1024, second.Length);
        Assert.Equal(0x5eedu, second[7]);
        Assert.DoesNotContain(lines, l => l.Contains($"user = 0x00000000 {unmarked.Address:x8}", StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutMarksAHangRecordsNoUserObject()
    {
        using var t = TestDevice.Fast();
        TestBuffer plain = t.NewBuffer();
        DmaFence hang = ExecHang(t, [plain.Handle], []);

        AssertStatus(-Errno.EIO, hang, "the hanging batch");
        WaitRecoveryIdle(t.Dev);
        Assert.Empty(Assert.Single(t.Dev.ReadErrorState()!.Engines).UserObjects);
        Assert.DoesNotContain("--- user = ", t.Dev.ReadErrorFile(), StringComparison.Ordinal);
    }

    [Fact]
    public void ACaptureHandleThatIsNotAnExecObjectIsEinval()
    {
        using var t = TestDevice.Fast();
        TestBuffer batch = t.NewBuffer();
        TestBuffer stray = t.NewBuffer();
        batch.Write(new BatchBuilder().End());

        int err = t.Dev.Execbuf(new ExecbufArgs
        {
            Client = t.Client,
            Engine = 0,
            BatchHandle = batch.Handle,
            CaptureObjects = [stray.Handle],
        }, out DmaFence? fence);

        Assert.Equal(-Errno.EINVAL, err);
        Assert.Null(fence);
        t.AssertWorks();
    }

    /// <summary>
    /// execlists_capture → execlists_hold → execlists_capture_work → execlists_unhold: the preempt timeout's engine
    /// reset captures the registers at once but copies the marked objects later, on a worker, while the engine holds
    /// the hung request (and its context's next request) off the engine and runs everyone else's work. The request
    /// signals -EIO only after the error state, objects and all, is stored; IGT's gem_exec_capture@pi depends on it
    /// (a nop on the same engine completes while a gigabyte is being captured).
    /// </summary>
    [Fact]
    public void AHungRequestIsHeldWhileItsObjectsAreCapturedAndTheEngineRunsOtherWork()
    {
        using var t = TestDevice.Fast();
        using var gate = new CaptureGate(t.Dev);
        ManualResetEventSlim copying = gate.Copying, release = gate.Release;
        TestBuffer marked = t.NewBuffer();
        marked[3] = 0xfeed;
        DmaFence hang = ExecHang(t, [marked.Handle], [marked.Handle]);
        // The heartbeat's pulse cannot preempt the loop: its preempt timeout resets the engine (execlists_reset).
        Assert.True(copying.Wait(Bound.Long), "the capture worker did not start copying the hung request's objects");

        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        bool storedAtSignal = false;
        Assert.True(hang.AddCallback(new ActionFenceCallback(_ =>
        {
            storedAtSignal = t.Dev.ReadErrorState() is not null;
            order.Enqueue("hang");
        })), "the hung request signalled while its capture was still copying");
        DmaFence behind = ExecNop(t, context: 0);
        Assert.True(behind.AddCallback(new ActionFenceCallback(_ => order.Enqueue("behind"))), "the hung context's next request overtook it");
        DmaFence other = ExecNop(t, context: CreateContext(t.Dev, t.Client));

        AssertStatus(1, other, "another context's request on the engine while the capture copies");
        Assert.False(hang.IsSignaled, "the hung request signalled before its capture was done");
        Assert.False(behind.IsSignaled, "a request behind the held one ran ahead of it");
        Assert.Null(t.Dev.ReadErrorState());
        Assert.Equal(1, ((Driver.Engines.Execution.ExeclistsEngine)t.Engine(Driver.Core.Hw.EngineId.Rcs0)).Holds);
        Assert.Equal(1, t.Dev.Reset.CapturesInFlight);

        release.Set();
        AssertStatus(-Errno.EIO, hang, "the held request, after its capture");
        AssertStatus(1, behind, "its context's next request");
        Assert.True(storedAtSignal, "the hung request signalled before its error state was stored");
        Assert.Equal(["hang", "behind"], order);
        Poll.Until(() => t.Dev.Reset.CapturesInFlight == 0, "the capture worker to finish");
        CapturedObject captured = Assert.Single(Assert.Single(t.Dev.ReadErrorState()!.Engines).UserObjects);
        Assert.Equal(marked.Address, captured.Address);
        Assert.Equal(0xfeedu, captured.Dwords[3]);
        t.AssertWorks();
    }

    /// <summary>
    /// A request with nothing to copy later (no EXEC_OBJECT_CAPTURE objects) is not held: its whole state is stored
    /// before the reset lets it signal, so a waiter woken by its -EIO finds it (IGT's i915_hangman reads the error
    /// file as soon as its hang fence signals).
    /// </summary>
    [Fact]
    public void WithoutObjectsTheStateIsStoredBeforeTheHungRequestSignals()
    {
        // A fresh device each round: the client's hangs would otherwise ban it (client_mark_guilty).
        for (int round = 0; round < 5; round++)
        {
            using var t = TestDevice.Fast();
            TestBuffer plain = t.NewBuffer();
            DmaFence hang = ExecHang(t, [plain.Handle], []);
            // The reset path is held, once the engine has been reset and resumed, until the hung request has
            // signalled: whatever the reset still does after that point comes too late for a waiter.
            using IDisposable sub = t.Dev.Reset.Events.Subscribe(ev =>
            {
                if (ev.Kind == Driver.Reset.Events.GpuEventKind.EngineReset)
                {
                    // Polled, not DmaFence.Wait: the hook runs inside the reset's fence-signalling section, where a
                    // fence wait is the lock validator's recursive dma_fence_map report.
                    SpinWait.SpinUntil(() => hang.IsSignaled, Bound.Long);
                }
            });
            bool storedAtSignal = false;
            var seen = new ManualResetEventSlim();
            if (!hang.AddCallback(new ActionFenceCallback(_ =>
            {
                storedAtSignal = t.Dev.ReadErrorState() is not null;
                seen.Set();
            })))
            {
                storedAtSignal = t.Dev.ReadErrorState() is not null;
                seen.Set();
            }

            AssertStatus(-Errno.EIO, hang, "the hanging batch");
            Assert.True(seen.Wait(Bound.Long));
            Assert.True(storedAtSignal, $"round {round}: the hung request signalled before its error state was stored");
            Assert.Equal(0, ((Driver.Engines.Execution.ExeclistsEngine)t.Engine(Driver.Core.Hw.EngineId.Rcs0)).Holds);
        }
    }

    /// <summary>
    /// A wedge while a capture holds its request (execlists_reset_cancel) cancels the held requests with the rest:
    /// they signal -EIO at once, without waiting for the copy, and the copy, finding its request signalled, stops
    /// reading objects that may be gone. Every fence signals, held or not.
    /// </summary>
    [Fact]
    public void AWedgeCancelsTheRequestsHeldForACapture()
    {
        using var t = TestDevice.Fast();
        using var gate = new CaptureGate(t.Dev);
        ManualResetEventSlim copying = gate.Copying, release = gate.Release;
        TestBuffer marked = t.NewBuffer();
        DmaFence hang = ExecHang(t, [marked.Handle], [marked.Handle]);
        Assert.True(copying.Wait(Bound.Long), "the capture worker did not start copying the hung request's objects");
        DmaFence behind = ExecNop(t, context: 0);

        t.Dev.Wedge("wedged while a capture holds a request");

        AssertStatus(-Errno.EIO, hang, "the held request");
        AssertStatus(-Errno.EIO, behind, "the request held behind it");
        release.Set();
        Poll.Until(() => t.Dev.Reset.CapturesInFlight == 0, "the capture worker to finish");
        Assert.Empty(Assert.Single(t.Dev.ReadErrorState()!.Engines).UserObjects);
    }

    /// <summary>
    /// execlists_unhold releases the request it is given, and only while that request is on hold
    /// (__execlists_unhold: i915_request_on_hold(rq)): a capture whose request a wedge already cancelled releases
    /// nothing when it finishes, even if the same context hung again after an unwedge and a second capture now holds
    /// its new request. That request signals only after its own capture is stored.
    /// </summary>
    [Fact]
    public void AFinishedCaptureWhoseRequestAWedgeCancelledDoesNotReleaseALaterHoldOfTheSameContext()
    {
        using var t = TestDevice.Fast();
        using var firstCopying = new ManualResetEventSlim();
        using var releaseFirst = new ManualResetEventSlim();
        using var secondCopying = new ManualResetEventSlim();
        using var releaseSecond = new ManualResetEventSlim();
        int captures = 0;
        t.Dev.Reset.BeforeDeferredCapture = _ =>
        {
            if (Interlocked.Increment(ref captures) == 1)
            {
                firstCopying.Set();
                releaseFirst.Wait(Bound.Long);
            }
            else
            {
                secondCopying.Set();
                releaseSecond.Wait(Bound.Long);
            }
        };
        TestBuffer marked = t.NewBuffer();
        DmaFence first = ExecHang(t, [marked.Handle], [marked.Handle]);
        Assert.True(firstCopying.Wait(Bound.Long), "the first capture did not start copying");
        t.Dev.Wedge("wedged while a capture holds a request");
        AssertStatus(-Errno.EIO, first, "the first held request, cancelled by the wedge");
        Assert.True(t.Dev.Unwedge(), "unwedge");

        // The same context (timeline) hangs again: a second capture holds its new request.
        DmaFence second = ExecHang(t, [marked.Handle], [marked.Handle]);
        Assert.True(secondCopying.Wait(Bound.Long), "the second capture did not start copying");
        // The first capture finishes now: its release must not reach the second one's hold.
        releaseFirst.Set();
        Poll.Until(() => t.Dev.Reset.CapturesInFlight == 1, "the first capture to finish");
        int other = CreateContext(t.Dev, t.Client);
        // Submitted after the first capture's release was queued to the engine: the engine has taken that release in
        // before it runs these, and a wrongly released request would be queued ahead of the second nop.
        AssertStatus(1, ExecNop(t, other), "another context's request");
        AssertStatus(1, ExecNop(t, other), "another context's second request");
        Assert.False(second.IsSignaled, "the second held request was released by the first capture's unhold, before its own capture was stored");

        releaseSecond.Set();
        AssertStatus(-Errno.EIO, second, "the second held request, after its capture");
        Poll.Until(() => t.Dev.Reset.CapturesInFlight == 0, "the second capture to finish");
        t.AssertWorks();
    }

    /// <summary>
    /// A request the capture releases (execlists_unhold: requeued, and the submission tasklet kicked when it outranks
    /// the queue) competes for the engine at once: ahead of a lower-priority batch that will not yield, it meets that
    /// batch with the preempt timer, which resets it. Without a heartbeat pulse to carry it in, the release must not
    /// wait until the running batch ends.
    /// </summary>
    [Fact]
    public void ARequestReleasedFromHoldPreemptsALowerPriorityHogThroughThePreemptTimer()
    {
        using var t = TestDevice.Fast();
        using var gate = new CaptureGate(t.Dev);
        ManualResetEventSlim copying = gate.Copying, release = gate.Release;
        TestBuffer marked = t.NewBuffer();
        DmaFence hang = ExecHang(t, [marked.Handle], [marked.Handle]);
        Assert.True(copying.Wait(Bound.Long), "the capture worker did not start copying the hung request's objects");
        // From here no pulse reaches rcs0: only the released request can want the hog off the engine.
        t.Dev.Heartbeat.SetInterval(Driver.Core.Hw.EngineId.Rcs0, TimeSpan.Zero);
        int low = CreateContext(t.Dev, t.Client);
        Assert.Equal(0, t.Dev.SetContextParam(t.Client, low, ContextParam.Priority, -10));
        using Spinner hog = StartSpinner(t.Dev, t.Client, new SpinnerOptions { Context = low, NoPreemption = true });
        DmaFence behind = ExecNop(t, context: 0);

        release.Set();
        AssertStatus(-Errno.EIO, hang, "the held request, after its capture");
        AssertStatus(1, behind, "the released request of priority 0, over a priority -10 hog that does not yield");
        AssertStatus(-Errno.EIO, hog.Fence, "the hog, reset by the preempt timer");
    }

    /// <summary>
    /// Closing the device while a capture copies: the unload's wedge cancels the held request, and the device's
    /// teardown waits for the copy (which reads GEM memory through the GGTT) before it frees that memory, as the
    /// driver's removal drains its workqueues.
    /// </summary>
    [Fact]
    public void ClosingTheDeviceWaitsForACaptureStillCopying()
    {
        var t = TestDevice.Fast();
        using var gate = new CaptureGate(t.Dev);
        ManualResetEventSlim copying = gate.Copying, release = gate.Release;
        TestBuffer marked = t.NewBuffer();
        DmaFence hang = ExecHang(t, [marked.Handle], [marked.Handle]);
        Assert.True(copying.Wait(Bound.Long), "the capture worker did not start copying the hung request's objects");

        using var closed = new ManualResetEventSlim();
        var closing = new Thread(() =>
        {
            t.Dispose();
            closed.Set();
        });
        closing.Start();
        AssertStatus(-Errno.EIO, hang, "the held request, cancelled by the unload's wedge");
        Assert.False(closed.Wait(TimeSpan.FromMilliseconds(200)), "the device was torn down under a capture still copying");
        release.Set();
        Assert.True(closed.Wait(Bound.Long), "the device did not close once the capture finished");
        Assert.Equal(0, t.Dev.Reset.CapturesInFlight);
    }

    /// <summary>A batch that only ends, on <paramref name="context"/> of the test's client, on rcs0.</summary>
    private static DmaFence ExecNop(TestDevice t, int context)
    {
        TestBuffer batch = t.NewBuffer();
        batch.Write(new BatchBuilder().End());
        Assert.Equal(0, t.Dev.Execbuf(new ExecbufArgs
        {
            Client = t.Client,
            Context = context,
            Engine = 0,
            BatchHandle = batch.Handle,
        }, out DmaFence? fence));
        return fence!;
    }

    /// <summary>A batch that jumps to itself (ended only by a reset) reading <paramref name="objects"/>.</summary>
    private static DmaFence ExecHang(TestDevice t, int[] objects, int[] capture)
    {
        TestBuffer batch = t.NewBuffer();
        batch.Write(new BatchBuilder().Jump(batch.Address));
        Assert.Equal(0, t.Dev.Execbuf(new ExecbufArgs
        {
            Client = t.Client,
            Engine = 0,
            BatchHandle = batch.Handle,
            Objects = objects,
            CaptureObjects = capture,
        }, out DmaFence? fence));
        return fence!;
    }
}
