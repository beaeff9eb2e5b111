using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Requests;
using Driver.Engines.Isa;

namespace Driver.Engines.Vulkan;

public sealed partial class VulkanEngine
{
    /// <summary>Runs one request to its completion (every path ends in <see cref="Finish"/>).</summary>
    private void Execute(Request rq, long queued)
    {
        if (rq.IsSignaled)
        {
            // Completed elsewhere already (cancelled on the CPU): nothing to do but count it.
            Interlocked.Increment(ref _completed);
            return;
        }
        if (rq.Context.IsBannedOn(rq.Engine) && !rq.Skip)
        {
            // As __i915_request_submit: a banned context's work is skipped on its way to the hardware.
            rq.SetErrorOnce(-Errno.EIO);
            rq.Skip = true;
        }
        if (rq.IsCompleted || rq.Skip || rq.IsPulse)
        {
            Finish(rq, VulkanRequestOutcome.Skipped, 0, rq.IsPulse ? "pulse" : "payload skipped", queued, 0, 0, 0);
            return;
        }
        if (_wedged)
        {
            Finish(rq, VulkanRequestOutcome.Cancelled, -Errno.EIO, "Vulkan engine wedged", queued, 0, 0, 0);
            return;
        }
        VulkanProgram program;
        try
        {
            program = BatchTranslator.Translate(_ggtt, rq.BatchAddress);
        }
        catch (BatchTranslationException e)
        {
            _log.Warning("{Engine}: {Request} not translatable: {Reason} (-{Errno})", Name, rq, e.Message, Errno.Name(e.Errno));
            if (e.Errno == Errno.EIO)
            {
                // What the command streamer faults on: a CS error, which i915 resets the engine for with this request
                // guilty (__i915_request_reset). -EINVAL (valid ISA with no translation) is the backend's limit, not a hang.
                MarkGuilty(rq, $"command streamer fault: {e.Message}");
            }

            Finish(rq, VulkanRequestOutcome.Rejected, -e.Errno, e.Message, queued, 0, 0, 0);
            return;
        }
        RunWithRecovery(rq, program, queued);
    }

    /// <summary>Runs a translated request, replaying it on a recreated device when it was an innocent victim of a loss.</summary>
    private void RunWithRecovery(Request rq, VulkanProgram program, long queued)
    {
        for (int attempt = 1; ; attempt++)
        {
            VulkanEngineResources? res = EnsureResources();
            if (res is null)
            {
                Finish(rq, VulkanRequestOutcome.Cancelled, -Errno.EIO, "Vulkan device dead: engine wedged", queued, 0, 0, attempt - 1);
                return;
            }
            long submitted = 0;
            try
            {
                (VulkanRequestOutcome outcome, int error, string? reason) = RunOnDevice(rq, program, res, ref submitted);
                if (outcome == VulkanRequestOutcome.Hang)
                {
                    MarkGuilty(rq, reason!);
                }

                Finish(rq, outcome, error, reason ?? program.Describe(), queued, submitted, program.Ops.Count, attempt);
                return;
            }
            catch (VulkanDeviceLostException e)
            {
                bool culprit = HandleDeviceLost(res, e);
                if (_stopping || IsCancelled(_currentOrdinal))
                {
                    // Aborted by a wedge or the engine's stop, not by its own timeout: that the batch then did not stop
                    // (or the device went) is no hang of this request's context — no guilt, no replay, as
                    // __intel_gt_set_wedged ends requests with -EIO only.
                    Finish(rq, VulkanRequestOutcome.Cancelled, -Errno.EIO, $"cancelled; device lost: {e.Message}", queued, submitted, program.Ops.Count, attempt);
                    return;
                }

                if (culprit)
                {
                    string why = $"device lost: {e.Message}";
                    MarkGuilty(rq, why);
                    Finish(rq, VulkanRequestOutcome.DeviceLost, -Errno.EIO, why, queued, submitted, program.Ops.Count, attempt);
                    return;
                }

                if (attempt >= Options.MaxAttempts)
                {
                    // Out of replays, but still a victim: __i915_request_reset(rq, guilty = false) never blames it.
                    if (submitted != 0 && !rq.Context.IsKernel)
                    {
                        rq.Context.MarkInnocent();
                    }

                    Finish(rq, VulkanRequestOutcome.DeviceLost, -Errno.EIO, $"device lost {attempt} times, innocent each time: {e.Message}",
                        queued, submitted, program.Ops.Count, attempt);
                    return;
                }
                // An innocent victim: run it again from its start on the new device, as i915 replays an innocent
                // request (stores it already made are made again), and mark it as i915 marks innocents.
                if (submitted != 0)
                {
                    rq.SetErrorOnce(-Errno.EAGAIN);
                    if (!rq.Context.IsKernel)
                    {
                        rq.Context.MarkInnocent();
                    }
                }
                rq.Replays++;
                Interlocked.Increment(ref _replays);
                _log.Information("{Engine}: replaying {Request} after the device loss", Name, rq);
            }
            catch (VulkanException e)
            {
                _log.Error("{Engine}: {Request} failed: {Error}", Name, rq, e.Message);
                DropResources(res);
                Finish(rq, VulkanRequestOutcome.Failed, -Errno.EIO, e.Message, queued, submitted, program.Ops.Count, attempt);
                return;
            }
        }
    }

    /// <summary>
    /// Loads the arena, then records and submits the program — again from the yielding op each time a kernel used
    /// up its slice — waiting for each VkFence in bounded slices, pumping memory both ways for batches that poll or
    /// run long, and aborting the batch when it misses its timeout. Copies the executed stores back and returns the
    /// outcome, the error to set and a reason.
    /// </summary>
    private (VulkanRequestOutcome, int, string?) RunOnDevice(Request rq, VulkanProgram program, VulkanEngineResources res, ref long submitted)
    {
        VulkanHostBuffer arena = res.Arena;
        uint[] seen = LoadArena(arena, program);
        if (!rq.Started)
        {
            rq.Started = true;
            rq.StartedTimestamp = Stopwatch.GetTimestamp();
        }
        var watch = new HangWatch(this, rq, arena);
        int copied = 0;
        int from = 0;
        while (true)
        {
            res.Record(program, from, SpinIterationCap, WorkUnits);
            res.Submit();
            if (submitted == 0)
            {
                submitted = Stopwatch.GetTimestamp();
                watch.Start(submitted);
            }
            TimeSpan slice = program.NeedsPump ? Options.PumpInterval : VulkanLogicalDevice.MaxWaitSlice;
            while (!res.Wait(slice))
            {
                if (program.NeedsPump)
                {
                    copied = Pump(arena, program, copied, seen);
                }

                if (watch.Check())
                {
                    throw new VulkanDeviceLostException("abort", $"batch did not stop within {Options.AbortGrace.TotalMilliseconds:0} ms of its abort")
                    { Culprit = res.Device.MarkLost() };
                }
            }
            if (arena.Read(ArenaLayout.CtlHalt) != ArenaLayout.HaltYield)
            {
                break;
            }
            // A kernel used up its slice: let CPU writes in and stores out, then go on from where it yielded — unless
            // the batch is out of time, in which case it simply is not submitted again.
            copied = Pump(arena, program, copied, seen);
            if (watch.Check() || watch.Aborted)
            {
                arena.Write(ArenaLayout.CtlHalt, ArenaLayout.HaltAborted);
                break;
            }
            from = (int)arena.Read(ArenaLayout.CtlResume);
            arena.Write(ArenaLayout.CtlHalt, 0);
        }
        CopyBack(arena, program, copied, seen);
        return Judge(arena, program, watch.Reason);
    }

    /// <summary>Decides a finished batch's outcome from the control block.</summary>
    private (VulkanRequestOutcome, int, string?) Judge(VulkanHostBuffer arena, VulkanProgram program, string? abortReason)
    {
        uint halt = arena.Read(ArenaLayout.CtlHalt);
        switch (halt)
        {
            case 0:
                return (VulkanRequestOutcome.Completed, 0, null);
            case ArenaLayout.HaltEnded:
                {
                    int index = (int)arena.Read(ArenaLayout.CtlExitCond) - 1;
                    if ((uint)index >= (uint)program.Conditions.Count)
                    {
                        return (VulkanRequestOutcome.Failed, -Errno.EIO, $"kernel reported exit condition {index + 1} of {program.Conditions.Count}");
                    }

                    VulkanCondition cond = program.Conditions[index];
                    if (cond.Kind != ConditionKind.LoopHead)
                    {
                        return (VulkanRequestOutcome.Completed, 0, null);
                    }
                    // The loop's head was rewritten: what the command streamer would now fetch there decides.
                    if (_ggtt.TryRead(cond.Address, out uint head) && head == Mi.BatchBufferEnd)
                    {
                        return (VulkanRequestOutcome.Completed, 0, null);
                    }

                    return (VulkanRequestOutcome.Rejected, -Errno.EIO,
                        $"loop head 0x{cond.Address:x8} rewritten with 0x{head:x8}: only BATCH_BUFFER_END ends a translated loop");
                }
            case ArenaLayout.HaltAborted:
                // Aborted because the engine stops or the GT wedged: cancelled, not a hang of this batch.
                bool cancelled = _stopping || IsCancelled(_currentOrdinal);
                if (!cancelled)
                {
                    Interlocked.Increment(ref _hangs);
                }

                return (cancelled ? VulkanRequestOutcome.Cancelled : VulkanRequestOutcome.Hang, -Errno.EIO, abortReason ?? "aborted");
            case ArenaLayout.HaltCapped:
                Interlocked.Increment(ref _hangs);
                return (VulkanRequestOutcome.Hang, -Errno.EIO, $"spin reached its iteration cap ({SpinIterationCap})");
            default:
                return (VulkanRequestOutcome.Failed, -Errno.EIO, $"kernel reported unknown halt code {halt}");
        }
    }

    /// <summary>
    /// Fills the arena for <paramref name="program"/>: control block cleared, store and condition tables, and every
    /// mirror slot loaded from GPU memory. Returns the slot values as last seen in GPU memory (for the pump).
    /// </summary>
    private uint[] LoadArena(VulkanHostBuffer arena, VulkanProgram program)
    {
        arena.Clear(0, ArenaLayout.ControlWords);
        for (int i = 0; i < program.Stores.Count; i++)
        {
            arena.Write(ArenaLayout.StoreBase + 2 * i, (uint)program.Stores[i].Slot);
            arena.Write(ArenaLayout.StoreBase + 2 * i + 1, program.Stores[i].Value);
        }
        for (int i = 0; i < program.Conditions.Count; i++)
        {
            VulkanCondition c = program.Conditions[i];
            arena.Write(ArenaLayout.ConditionBase + 3 * i, (uint)c.Slot);
            arena.Write(ArenaLayout.ConditionBase + 3 * i + 1, (uint)c.Op);
            arena.Write(ArenaLayout.ConditionBase + 3 * i + 2, c.Data);
        }
        uint[] seen = new uint[program.SlotAddresses.Count];
        for (int s = 0; s < seen.Length; s++)
        {
            _ggtt.TryRead(program.SlotAddresses[s], out seen[s]);
            arena.Write(ArenaLayout.MemBase + s, seen[s]);
        }
        return seen;
    }

    /// <summary>
    /// Keeps GPU memory and the mirror in step while a batch runs: stores the kernels executed since the last pump go
    /// out to GPU memory (so a spinner's "started" store is visible at once), then CPU writes to the slots the batch
    /// polls come in (so ending a spinner or releasing a semaphore reaches the kernel). Returns the stores copied.
    /// </summary>
    private int Pump(VulkanHostBuffer arena, VulkanProgram program, int copied, uint[] seen)
    {
        copied = CopyBack(arena, program, copied, seen);
        foreach (VulkanCondition c in program.Conditions)
        {
            if (!_ggtt.TryRead(c.Address, out uint value) || value == seen[c.Slot])
            {
                continue;
            }

            seen[c.Slot] = value;
            arena.Write(ArenaLayout.MemBase + c.Slot, value);
        }
        return copied;
    }

    /// <summary>Copies stores [<paramref name="copied"/>, stores done) back to GPU memory; returns the new count.</summary>
    private int CopyBack(VulkanHostBuffer arena, VulkanProgram program, int copied, uint[] seen)
    {
        int done = (int)Math.Min(arena.Read(ArenaLayout.CtlStoresDone), (uint)program.Stores.Count);
        for (int i = copied; i < done; i++)
        {
            VulkanStore st = program.Stores[i];
            // The slot's current value: what this store wrote, or a later store of the batch to the same address.
            uint value = arena.Read(ArenaLayout.MemBase + st.Slot);
            _ggtt.TryWrite(st.Address, value);
            seen[st.Slot] = value;
        }
        return Math.Max(copied, done);
    }

    /// <summary>Hang accounting for a guilty request, before its fence signals.</summary>
    private void MarkGuilty(Request rq, string reason)
    {
        rq.Guilty = true;
        _log.Warning("{Engine}: {Request} guilty: {Reason}", Name, rq, reason);
        if (Options.OnGuilty is { } hook)
        {
            hook(rq, reason);
        }
        else if (!rq.Context.IsKernel)
        {
            rq.Context.MarkGuilty();
        }
    }

    private static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);
}
