using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Locking;
using Driver.Core.Requests;
using Driver.Core.Resv;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Uapi;

/// <summary>
/// Implicit synchronisation through the reservation objects: execbuf locks every object in one acquire context
/// (eb_lock_vmas), its request awaits what dma_resv_usage_rw demands (i915_request_await_object) and joins each
/// reservation as WRITE or READ (i915_vma_move_to_active); GEM_BUSY and GEM_WAIT read the reservation.
/// </summary>
public class ImplicitSyncTests
{
    /// <summary>
    /// The write-after-read reproducer of issue 15: reader R1 (a spinner on rcs0), reader R2 on bcs0, then writer W on
    /// vcs0 of the same object. With one overwritten last-fence, W awaited only R2 and completed while R1 still ran.
    /// i915_request_await_object with write=true awaits every READ fence: W waits for R1.
    /// </summary>
    [Fact]
    public void WriteAfterRead_TheWriterWaitsForEveryReader()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer shared = t.NewBuffer();
        using var r1 = Spinner.Start(t.Dev, t.Client, new SpinnerOptions { Engine = EngineId.Rcs0, Objects = [shared.Handle] });
        Assert.True(r1.WaitStarted(Bound.Long));
        DmaFence r2 = Exec(t, EngineId.Bcs0, new BatchBuilder().End(), read: [shared]);
        Assert.True(r2.Wait(Bound.Long));
        var w = (Request)Exec(t, EngineId.Vcs0, new BatchBuilder().StoreDword(shared.At(0), 0x77).End(), written: [shared]);

        // R2 has completed, R1 is still spinning: W is held on R1, provably not run.
        Assert.Contains(r1.Fence, w.InFences);
        Assert.False(r1.Fence.IsSignaled);
        Assert.False(w.IsSubmitted);
        Assert.False(w.IsSignaled);
        Assert.Equal(0u, shared[0]);
        Assert.Equal(0, t.Dev.Busy(t.Client, shared.Handle, out bool busy));
        Assert.True(busy);

        r1.End();
        Assert.True(w.Wait(Bound.Long));
        Assert.Equal(1, w.Status);
        Assert.Equal(0x77u, shared[0]);
        Assert.True(w.StartedTimestamp >= r1.Fence.SignalTimestamp);
    }

    /// <summary>
    /// dma_resv_usage_rw(false) = WRITE: readers await the writer, not each other. A reader of an object a spinner
    /// reads completes while the spinner runs; readers after a writer are held on it.
    /// </summary>
    [Fact]
    public void ReadersWaitForTheWriter_NotForEachOther()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer shared = t.NewBuffer();
        TestBuffer result = t.NewBuffer();
        using (var reader = Spinner.Start(t.Dev, t.Client, new SpinnerOptions { Engine = EngineId.Rcs0, Objects = [shared.Handle] }))
        {
            Assert.True(reader.WaitStarted(Bound.Long));
            DmaFence other = Exec(t, EngineId.Bcs0, new BatchBuilder().StoreDword(result.At(0), 1).End(), read: [shared], written: [result]);
            Assert.True(other.Wait(Bound.Long));
            Assert.Equal(1, other.Status);
            Assert.False(reader.Fence.IsSignaled);
            reader.End();
            Assert.True(reader.Fence.Wait(Bound.Long));
        }

        var gate = new DmaFence();
        DmaFence writer = Exec(t, EngineId.Rcs0, new BatchBuilder().StoreDword(shared.At(0), 5).End(), written: [shared], inFences: [gate]);
        var readA = (Request)Exec(t, EngineId.Bcs0, new BatchBuilder().End(), read: [shared]);
        var readB = (Request)Exec(t, EngineId.Vcs0, new BatchBuilder().End(), read: [shared]);
        Assert.Contains(writer, readA.InFences);
        Assert.Contains(writer, readB.InFences);
        Assert.DoesNotContain(readA, readB.InFences);
        Assert.False(readA.IsSubmitted);
        gate.Signal();
        Assert.True(readB.Wait(Bound.Long));
        Assert.True(readA.Wait(Bound.Long));
        Assert.Equal(5u, shared[0]);
    }

    /// <summary>
    /// Four threads execbuf writers of one object from four contexts on four engines, concurrently. Each batch claims the
    /// object (stores its id), works, and checks its claim still stands, else marks an overlap: with the reservation
    /// locked across await-collection and fence-add, no two writers ever run at once, and the last value is the last
    /// writer's. Bounded by a fixed number of batches.
    /// </summary>
    [Fact]
    public void ConcurrentExecbufsOnOneObject_NeverMissEachOther()
    {
        const int Threads = 4;
        const int PerThread = 40;
        const uint Overlap = 0xBADu;
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer shared = t.NewBuffer();
        EngineId[] engines = [EngineId.Rcs0, EngineId.Bcs0, EngineId.Vcs0, EngineId.Vecs0];
        int[] contexts = new int[Threads];
        for (int n = 1; n < Threads; n++)
        {
            Assert.Equal(0, t.Dev.CreateContext(t.Client, out contexts[n]));
        }

        var batches = new TestBuffer[Threads, PerThread];
        for (int n = 0; n < Threads; n++)
        {
            for (int i = 0; i < PerThread; i++)
            {
                uint id = (uint)((n + 1) << 16 | (i + 1));
                batches[n, i] = t.NewBuffer();
                batches[n, i].Write(new BatchBuilder()
                    .StoreDword(shared.At(0), id)
                    .Work(20_000)
                    .ConditionalEnd(shared.At(0), CompareOp.NotEqual, id)
                    .StoreDword(shared.At(1), Overlap)
                    .End());
            }
        }

        var fences = new Request[Threads, PerThread];
        using var start = new Barrier(Threads);
        TestThread[] threads = Enumerable.Range(0, Threads).Select(n => TestThread.Start($"execbuf-{n}", () =>
        {
            start.SignalAndWait(Bound.Long);
            for (int i = 0; i < PerThread; i++)
            {
                Assert.Equal(0, t.Dev.Execbuf(new ExecbufArgs
                {
                    Client = t.Client,
                    Context = contexts[n],
                    Engine = (int)engines[n],
                    BatchHandle = batches[n, i].Handle,
                    InFences = [],
                    Objects = [],
                    WriteObjects = [shared.Handle],
                }, out DmaFence? fence));
                fences[n, i] = (Request)fence!;
            }
        })).ToArray();
        TestThread.JoinAll(threads);

        Request[] all = fences.Cast<Request>().ToArray();
        Assert.All(all, f => Assert.True(f.Wait(Bound.Long)));
        Assert.All(all, f => Assert.Equal(1, f.Status));
        Assert.Equal(0u, shared[1]);
        Request last = all.MaxBy(f => f.SignalTimestamp)!;
        Assert.Equal(LastValue(last, fences), shared[0]);
        Assert.Equal(0, t.Dev.Busy(t.Client, shared.Handle, out bool busy));
        Assert.False(busy);
    }

    /// <summary>
    /// i915's rule: the reset never takes a reservation lock. With an object's reservation held by this thread (and an
    /// execbuf on it blocked behind that lock), a reset of the engine running a batch that uses the object completes,
    /// cancels the batch, and the blocked execbuf goes through once the lock is dropped.
    /// </summary>
    [Fact]
    public void ResetCompletesWhileAReservationLockIsHeld()
    {
        using var t = TestDevice.Fast(reset: r => r with { EngineResetEnabled = false });
        TestBuffer shared = t.NewBuffer();
        using var spin = Spinner.Start(t.Dev, t.Client, new SpinnerOptions { Engine = EngineId.Rcs0, Objects = [shared.Handle] });
        Assert.True(spin.WaitStarted(Bound.Long));

        using var ww = new WwAcquireContext(DmaResv.Class);
        Assert.Equal(0, shared.Object.Resv.LockResv(ww));
        DmaFence? blocked = null;
        var execbuf = TestThread.Start("execbuf", () =>
            blocked = Exec(t, EngineId.Bcs0, new BatchBuilder().StoreDword(shared.At(0), 9).End(), written: [shared]));
        Poll.Until(() => (execbuf.Thread.ThreadState & ThreadState.WaitSleepJoin) != 0, "the execbuf never blocked on the reservation");

        TestThread.Run("reset", () => t.Dev.ForceReset(EngineId.Rcs0.Mask()));
        Assert.True(spin.Fence.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, spin.Fence.Status);
        Assert.True(execbuf.Thread.IsAlive);

        shared.Object.Resv.Unlock();
        ww.Fini();
        execbuf.Join();
        Assert.True(blocked!.Wait(Bound.Long));
        Assert.Equal(1, blocked.Status);
        Assert.Equal(9u, shared[0]);
    }

    /// <summary>
    /// i915_gem_busy_ioctl and i915_gem_wait_ioctl walk the reservation up to READ: a BOOKKEEP fence keeps neither busy,
    /// a READ or WRITE fence keeps both.
    /// </summary>
    [Fact]
    public void BusyAndWaitAnswerFromTheReservation()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer obj = t.NewBuffer();
        var bookkeep = new DmaFence(DmaFence.ContextAlloc(), 1);
        var read = new DmaFence(DmaFence.ContextAlloc(), 1);
        AddFence(obj, bookkeep, DmaResvUsage.Bookkeep);
        Assert.Equal(0, t.Dev.Busy(t.Client, obj.Handle, out bool busy));
        Assert.False(busy);
        Assert.Equal(0, t.Dev.Wait(t.Client, obj.Handle, 0));

        AddFence(obj, read, DmaResvUsage.Read);
        Assert.Equal(0, t.Dev.Busy(t.Client, obj.Handle, out busy));
        Assert.True(busy);
        Assert.Equal(-Errno.ETIME, t.Dev.Wait(t.Client, obj.Handle, 0));
        Assert.Equal(-Errno.ETIME, t.Dev.Wait(t.Client, obj.Handle, 1_000_000));

        var signaller = TestThread.Start("signal", () => read.Signal());
        Assert.Equal(0, t.Dev.Wait(t.Client, obj.Handle, Bound.LongNs));
        signaller.Join();
        Assert.Equal(0, t.Dev.Busy(t.Client, obj.Handle, out busy));
        Assert.False(busy);
        bookkeep.Signal();
    }

    private static uint LastValue(Request last, Request[,] fences)
    {
        for (int n = 0; n < fences.GetLength(0); n++)
        {
            for (int i = 0; i < fences.GetLength(1); i++)
            {
                if (ReferenceEquals(fences[n, i], last))
                {
                    return (uint)((n + 1) << 16 | (i + 1));
                }
            }
        }

        throw new InvalidOperationException("not one of the batches");
    }

    private static void AddFence(TestBuffer obj, DmaFence fence, DmaResvUsage usage)
    {
        Assert.Equal(0, obj.Object.Resv.LockResv(null));
        Assert.Equal(0, obj.Object.Resv.ReserveFences(1));
        obj.Object.Resv.AddFence(fence, usage);
        obj.Object.Resv.Unlock();
    }

    private static DmaFence Exec(TestDevice t, EngineId engine, BatchBuilder batch, TestBuffer[]? read = null,
        TestBuffer[]? written = null, DmaFence[]? inFences = null)
    {
        TestBuffer bb = t.NewBuffer();
        bb.Write(batch);
        Assert.Equal(0, t.Dev.Execbuf(new ExecbufArgs
        {
            Client = t.Client,
            Engine = (int)engine,
            BatchHandle = bb.Handle,
            InFences = inFences ?? [],
            Objects = (read ?? []).Select(o => o.Handle).ToArray(),
            WriteObjects = (written ?? []).Select(o => o.Handle).ToArray(),
        }, out DmaFence? fence));
        return fence!;
    }
}
