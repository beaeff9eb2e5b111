using System.Diagnostics;
using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Core.Locking;
using Driver.Core.Requests;
using Driver.Core.Resv;

namespace Driver.Uapi;

public sealed partial class GpuDevice
{
    /// <summary>
    /// Submits a batch (EXECBUFFER2). Returns 0 and the request's out-fence; -EAGAIN and the out-fence when the request
    /// was submitted but a userptr object was invalidated meanwhile (the request carries -EAGAIN: whoever signals
    /// syncobjs for it still does, as eb_requests_add and signal_fence_array run on that error); or, in the order
    /// i915_gem_execbuffer2_ioctl / i915_gem_do_execbuffer check them: -EFAULT (no arguments or a null list, as a
    /// failed copy_from_user), -EINVAL (unknown flags, a misaligned batch offset, a null in-fence), -ENOENT (unknown
    /// client or context), -EINVAL (bad engine), -EIO (device wedged), -ENOENT (unknown handle), -EINVAL (a handle
    /// listed twice, a batch that is also written, a batch offset past the object), -EIO (context banned), -ENOENT
    /// (context closed meanwhile). See docs/uapi.md.
    /// </summary>
    public int Execbuf(ExecbufArgs args, out DmaFence? outFence)
    {
        outFence = null;
        if (args?.Objects is null || args.WriteObjects is null || args.InFences is null || args.SubmitFences is null ||
            args.CaptureObjects is null)
        {
            return -Errno.EFAULT;
        }

        // i915_gem_check_execbuffer: flags and the batch start offset before anything is looked up. The kernel
        // wants 8-byte alignment; GpuSim keeps dword alignment on purpose (docs/uapi.md).
        if ((args.Flags & ~ExecFlags.NoCapture) != 0 || args.BatchOffset < 0 || (args.BatchOffset & 3) != 0)
        {
            return -Errno.EINVAL;
        }

        // sync_file_get_fence failing on a bad in-fence fd is EINVAL, also before the context lookup.
        foreach (DmaFence? f in args.InFences)
        {
            if (f is null)
            {
                return -Errno.EINVAL;
            }
        }

        foreach (DmaFence? f in args.SubmitFences)
        {
            if (f is null)
            {
                return -Errno.EINVAL;
            }
        }

        // eb_lookup_vmas' object references: every object looked up is held until the submission is done, so a
        // handle closed meanwhile does not release its object under this execbuf (dropped on every way out).
        var held = new List<BufferObject>(1 + args.Objects.Count + args.WriteObjects.Count);
        try
        {
            Client client = GetClient(args.Client);
            GpuContext ctx = client.GetContext(args.Context);
            // eb_select_engine: an unknown engine is EINVAL, then "ABI: report EIO if the GPU is already wedged"
            // before any handle is looked up.
            if ((uint)args.Engine >= EngineIds.Count)
            {
                return -Errno.EINVAL;
            }

            if (IsWedged)
            {
                return -Errno.EIO;
            }

            // eb_lookup_vmas: unknown handles are ENOENT, an object listed twice (eb_validate_vma) or a batch that
            // is also written ("self-modifying batch buffer") EINVAL, then the batch range.
            BufferObject batch = client.GetObjectHeld(args.BatchHandle);
            held.Add(batch);
            BufferObject[] objects = LookupHeld(client, args.Objects, held);
            BufferObject[] written = LookupHeld(client, args.WriteObjects, held);
            if (HasDuplicate(args))
            {
                return -Errno.EINVAL;
            }

            if (args.WriteObjects.Contains(args.BatchHandle) || !batch.IsValidDwordOffset(args.BatchOffset))
            {
                return -Errno.EINVAL;
            }

            // EXEC_OBJECT_CAPTURE is a flag of an exec object: a capture handle that is not one of them has no
            // binding to record (GpuSim's in-process form of the rule).
            foreach (int h in args.CaptureObjects)
            {
                if (h != args.BatchHandle && !args.Objects.Contains(h) && !args.WriteObjects.Contains(h))
                {
                    return -Errno.EINVAL;
                }
            }

            // eb_pin_engine: a banned context is EIO; eb_request_add: a context closed meanwhile is ENOENT.
            if (ctx.IsBannedOn((EngineId)args.Engine))
            {
                return -Errno.EIO;
            }

            if (ctx.IsClosed)
            {
                return -Errno.ENOENT;
            }

            // i915_gem_object_userptr_submit_init: userptr pages built (-EFAULT once unmapped) before anything is
            // bound or locked; GpuDevice.Userptr.cs.
            UserptrExec? userptr = UserptrSubmitInit(batch, objects, written);
            // eb_reserve's pins: every binding stays where it is until the request's fence is in the reservations
            // (an idle-looking object is otherwise fair game for another client's softpin eviction, and the batch
            // would run against what was bound after it). Dropped on every way out, as eb_release_vmas does.
            var pins = new GgttNode[1 + objects.Length + written.Length];
            int pinned = 0;
            bool submitted = false;
            try
            {
                pins[pinned++] = Gt.Ggtt.Insert(batch, pin: true);
                uint batchAddress = pins[0].Offset + (uint)args.BatchOffset;
                foreach (BufferObject bo in objects)
                {
                    pins[pinned++] = Gt.Ggtt.Insert(bo, pin: true);
                }

                foreach (BufferObject bo in written)
                {
                    pins[pinned++] = Gt.Ggtt.Insert(bo, pin: true);
                }

                RequestFlags flags = (args.Flags & ExecFlags.NoCapture) != 0 ? RequestFlags.NoCapture : RequestFlags.None;
                IReadOnlyList<DmaFence> inFences = userptr is null ? args.InFences : [.. args.InFences, userptr.Gate];
                Request rq = SubmitReserved(ctx, (EngineId)args.Engine, batchAddress, flags, inFences, args.SubmitFences,
                    batch, objects, written, CaptureAddresses(args, pins));
                submitted = true;

                // From here the request is submitted: the caller gets its fence whatever is returned, so that
                // signal_fence_array and the ring's bookkeeping run for it (eb_requests_add runs on error too).
                outFence = rq;
                // eb_move_to_gpu's userptr check under the notifier lock: -EAGAIN when an invalidation ran meanwhile.
                return userptr is null ? 0 : UserptrSubmitDone(userptr);
            }
            catch
            {
                // Nothing submitted (a placement or the submission failed): the userptr gate is opened here, or it
                // would hold nothing for its whole timeout.
                if (!submitted)
                {
                    userptr?.Open(0);
                }

                throw;
            }
            finally
            {
                for (int i = 0; i < pinned; i++)
                {
                    Ggtt.Unpin(pins[i]);
                }
            }
        }
        catch (DriverException e) { return -e.Errno; }
        finally
        {
            foreach (BufferObject bo in held)
            {
                DropExecbufHold(bo);
            }
        }
    }

    /// <summary>
    /// eb_capture_stage: the GGTT addresses of the EXEC_OBJECT_CAPTURE objects, in the order given, from the execbuf's
    /// pins (<paramref name="pins"/> holds the batch's, then <see cref="ExecbufArgs.Objects"/>', then
    /// <see cref="ExecbufArgs.WriteObjects"/>'); null when none is marked, so a plain execbuf allocates nothing.
    /// </summary>
    private static uint[]? CaptureAddresses(ExecbufArgs args, GgttNode[] pins)
    {
        if (args.CaptureObjects.Count == 0)
        {
            return null;
        }

        uint[] addresses = new uint[args.CaptureObjects.Count];
        for (int i = 0; i < addresses.Length; i++)
        {
            int h = args.CaptureObjects[i];
            int read = IndexOf(args.Objects, h);
            int slot = h == args.BatchHandle ? 0
                : read >= 0 ? 1 + read
                : 1 + args.Objects.Count + IndexOf(args.WriteObjects, h);
            Debug.Assert(slot >= 0 && slot < pins.Length, "capture handles were checked to be exec objects");
            addresses[i] = pins[slot].Offset;
        }

        return addresses;
    }

    private static int IndexOf(IReadOnlyList<int> handles, int handle)
    {
        for (int i = 0; i < handles.Count; i++)
        {
            if (handles[i] == handle)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Whether a handle appears twice among the batch, the read and the written objects: the kernel's execbuf lists
    /// every object once (with EXEC_OBJECT_WRITE when written), and a second entry for one object is EINVAL.
    /// </summary>
    private static bool HasDuplicate(ExecbufArgs args)
    {
        var seen = new HashSet<int> { args.BatchHandle };
        foreach (int h in args.Objects)
        {
            if (!seen.Add(h))
            {
                return true;
            }
        }

        foreach (int h in args.WriteObjects)
        {
            // The batch in the write list is the self-modifying case, reported by the caller.
            if (h != args.BatchHandle && !seen.Add(h))
            {
                return true;
            }
        }

        return false;
    }

    private static BufferObject[] LookupHeld(Client client, IReadOnlyList<int> handles, List<BufferObject> held)
    {
        if (handles.Count == 0)
        {
            return [];
        }

        var objects = new BufferObject[handles.Count];
        for (int i = 0; i < objects.Length; i++)
        {
            objects[i] = client.GetObjectHeld(handles[i]);
            held.Add(objects[i]);
        }

        return objects;
    }

    /// <summary>
    /// The locked part of execbuf: every object's reservation locked in one acquire context (eb_lock_vmas, with the
    /// -EDEADLK back-off), the request built awaiting the explicit in-fences and what implicit sync demands
    /// (i915_request_await_object: a writer awaits every READ-and-before fence, a reader the WRITE-and-before ones,
    /// dma_resv_usage_rw), its fence added to each reservation (WRITE for written objects, READ otherwise:
    /// i915_vma_move_to_active), and the locks dropped. Fences are awaited by the request, never waited for here:
    /// nothing blocks on a fence under the reservation locks, and the reset path takes none of them.
    /// </summary>
    private Request SubmitReserved(GpuContext ctx, EngineId engine, uint batchAddress, RequestFlags flags,
        IReadOnlyList<DmaFence> inFences, IReadOnlyList<DmaFence> submitFences, BufferObject batch, BufferObject[] read,
        BufferObject[] written, IReadOnlyList<uint>? captureList)
    {
        var objects = new BufferObject[1 + read.Length + written.Length];
        objects[0] = batch;
        read.CopyTo(objects, 1);
        written.CopyTo(objects, 1 + read.Length);
        int firstWritten = 1 + read.Length;

        using var ww = new WwAcquireContext(DmaResv.Class);
        var held = new List<BufferObject>(objects.Length);
        try
        {
            LockObjects(ww, objects, held);
            var awaits = new List<DmaFence>(inFences);
            // Imports first map again if an exporter's move made their mapping stale (GpuDevice.Prime.cs).
            RevalidateImports(objects, awaits);
            for (int i = 0; i < objects.Length; i++)
            {
                BufferObject bo = objects[i];
                // eb_validate_vmas: one slot per object for this request's fence, reserved while locked.
                bo.Resv.ReserveFences(1);
                foreach (DmaFence f in bo.Resv.GetFences(DmaResv.UsageRw(i >= firstWritten)))
                {
                    if (!awaits.Contains(f))
                    {
                        awaits.Add(f);
                    }
                }
            }

            Request rq = Gt.CreateAndSubmit(ctx, engine, batchAddress, flags, awaits.Count == 0 ? null : awaits,
                submitFences: submitFences.Count == 0 ? null : submitFences, captureList: captureList);
            // Added before any lock is dropped: the next execbuf on these objects, however it races with this one,
            // either finds this fence or ran entirely before it and is in this request's awaits.
            for (int i = 0; i < objects.Length; i++)
            {
                objects[i].Resv.AddFence(rq, i >= firstWritten ? DmaResvUsage.Write : DmaResvUsage.Read);
            }

            return rq;
        }
        finally
        {
            foreach (BufferObject bo in held)
            {
                bo.Resv.Unlock();
            }

            held.Clear();
        }
    }

    /// <summary>
    /// eb_lock_vmas with i915_gem_ww_ctx_backoff: locks every object in <paramref name="ww"/>. On -EDEADLK (an older
    /// transaction wants what this one holds) every lock is dropped, the contended one is taken with
    /// dma_resv_lock_slow, and the pass starts over; -EALREADY then skips that one. <paramref name="held"/> lists
    /// what is locked, for the caller to unlock.
    /// </summary>
    private static void LockObjects(WwAcquireContext ww, BufferObject[] objects, List<BufferObject> held)
    {
        BufferObject? contended = null;
        while (true)
        {
            if (contended is not null)
            {
                contended.Resv.LockSlow(ww);
                held.Add(contended);
                contended = null;
            }

            foreach (BufferObject bo in objects)
            {
                int err = bo.Resv.LockResv(ww);
                if (err == 0)
                {
                    held.Add(bo);
                }
                else if (err != -Errno.EALREADY)
                {
                    Debug.Assert(err == -Errno.EDEADLK, $"dma_resv_lock failed with {err}");
                    contended = bo;
                    break;
                }
            }

            if (contended is null)
            {
                ww.Done();
                return;
            }

            foreach (BufferObject bo in held)
            {
                bo.Resv.Unlock();
            }

            held.Clear();
        }
    }

    /// <summary>
    /// The kernel's timer tick as GEM_WAIT sees it (one jiffy at HZ=250): a timed-out wait with less than this left
    /// reports 0 left and -ETIME, not -EAGAIN (i915_gem_wait_ioctl's "we allow up to 1 jiffy").
    /// </summary>
    public const long WaitJiffyNs = 4_000_000;

    /// <summary>
    /// Waits for an object to become idle (GEM_WAIT, i915_gem_wait_ioctl) without writing the time left back; see
    /// <see cref="Wait(int, int, ref long, uint, CancellationToken)"/>.
    /// </summary>
    public int Wait(int clientId, int handle, long timeoutNs)
    {
        long left = timeoutNs;
        return Wait(clientId, handle, ref left);
    }

    /// <summary>
    /// Waits for an object to become idle (GEM_WAIT, i915_gem_wait_ioctl). <paramref name="timeoutNs"/> &lt; 0 waits
    /// for as long as it takes, 0 polls, &gt; 0 waits that long. Returns 0 once idle (whatever the status of the work),
    /// -ETIME still busy, -EAGAIN when the wait ended early with time left, -EINVAL for non-zero
    /// <paramref name="flags"/> (checked first), -ENOENT for an unknown handle. For a positive timeout the time left
    /// is written back (0 once timed out); 0 and negative timeouts are left as they were. The wait is interruptible
    /// (I915_WAIT_INTERRUPTIBLE): -EINTR when <paramref name="signalPending"/> fires first, the time left written back.
    /// </summary>
    public int Wait(int clientId, int handle, ref long timeoutNs, uint flags = 0, CancellationToken signalPending = default)
    {
        if (flags != 0)
        {
            return -Errno.EINVAL;
        }

        try
        {
            BufferObject bo = GetClient(clientId).GetObject(handle);
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            // i915_gem_object_wait_reservation with I915_WAIT_ALL: every fence up to READ, without the lock.
            long left = bo.Resv.WaitTimeout(DmaResv.UsageRw(write: true), timeoutNs, signalPending);
            int ret = left > 0 ? 0 : left < 0 ? (int)left : -Errno.ETIME;
            if (timeoutNs > 0)
            {
                long spentNs = (long)System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalNanoseconds;
                timeoutNs = Math.Max(0, timeoutNs - spentNs);
                if (ret == -Errno.ETIME && timeoutNs < WaitJiffyNs)
                {
                    timeoutNs = 0;
                }

                // "Asked to wait beyond the jiffie/scheduler precision?"
                if (ret == -Errno.ETIME && timeoutNs != 0)
                {
                    ret = -Errno.EAGAIN;
                }
            }

            return ret;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>
    /// Waits for a fence, as poll(2) on a sync_file does: 0 once signalled (read its status for the outcome), -ETIME
    /// when <paramref name="timeoutNs"/> passes first; 0 polls and a negative timeout waits for as long as it takes.
    /// </summary>
    public static int WaitFence(DmaFence? fence, long timeoutNs)
    {
        if (fence is null || fence.IsSignaled)
        {
            return 0;
        }

        if (timeoutNs == 0)
        {
            return -Errno.ETIME;
        }

        if (timeoutNs < 0)
        {
            fence.Wait(Timeout.InfiniteTimeSpan);
            return 0;
        }

        return fence.Wait(TimeSpan.FromTicks(Math.Max(1, timeoutNs / 100))) ? 0 : -Errno.ETIME;
    }

    /// <summary>Whether an object is busy (GEM_BUSY).</summary>
    public int Busy(int clientId, int handle, out bool busy)
    {
        busy = false;
        try
        {
            // i915_gem_busy_ioctl walks the reservation up to READ, unlocked.
            busy = !GetClient(clientId).GetObject(handle).Resv.TestSignaled(DmaResvUsage.Read);
            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>GEM_THROTTLE: -EIO when the device is wedged, else 0.</summary>
    public int Throttle(int clientId)
    {
        try
        {
            GetClient(clientId);
            return IsWedged ? -Errno.EIO : 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }
}
