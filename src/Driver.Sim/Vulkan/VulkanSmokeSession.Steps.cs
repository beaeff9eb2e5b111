using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Isa;
using Driver.Engines.Vulkan;
using Driver.Uapi;

namespace Driver.Sim.Vulkan;

internal sealed partial class VulkanSmokeSession
{
    /// <summary>The steps, in the order they run.</summary>
    public IReadOnlyList<(string Name, Func<string> Run)> Steps =>
    [
        ("store-dword", StoreDword),
        ("dependent-chain", DependentChain),
        ("spinner", SpinnerStartEnd),
        ("forced-hang", ForcedHang),
        ("device-lost", DeviceLost),
        ("untranslatable", Untranslatable),
    ];

    /// <summary>Sixteen STORE_DWORD_IMMs in one batch; every value read back from GPU memory after the fence.</summary>
    private string StoreDword()
    {
        (int target, uint address) = Object();
        var b = new BatchBuilder();
        for (uint i = 0; i < 16; i++)
        {
            b.StoreDword(address + 4 * i, 0x5A00_0000 + i);
        }

        DmaFence fence = Exec(EngineId.Rcs0, Batch(b.End().ToArray()), objects: [target]);
        Wait(fence, "store batch");
        Status(fence, 1, "store batch");
        for (uint i = 0; i < 16; i++)
        {
            uint v = Read(target, 4 * i);
            Check(v == 0x5A00_0000 + i, $"dword {i}: 0x{v:x8}, expected 0x{0x5A00_0000 + i:x8}");
        }
        return $"16 stores verified in GPU memory ({Rcs.RecordOf((Request)fence)?.Dispatches} dispatch)";
    }

    /// <summary>
    /// A on rcs0 (20 ms of work, then X = 1); B on bcs0 awaits A's fence, then waits for X == 1 and stores Y. Had B
    /// reached Vulkan before A signalled, its semaphore would see X = 0 and time out.
    /// </summary>
    private string DependentChain()
    {
        (int mem, uint address) = Object();
        DmaFence a = Exec(EngineId.Rcs0, Batch(new BatchBuilder().Work(20_000_000).StoreDword(address, 1).End().ToArray()), objects: [mem]);
        DmaFence b = Exec(EngineId.Bcs0, Batch(new BatchBuilder().SemaphoreWait(address, CompareOp.Equal, 1).StoreDword(address + 4, 2).End().ToArray()),
            objects: [mem], inFences: [a]);
        Check(!b.IsSignaled || a.IsSignaled, "B signalled before A");
        Wait(b, "request B");
        Status(a, 1, "request A");
        Status(b, 1, "request B");
        Check(Read(mem, 4) == 2, $"B's store: {Read(mem, 4)}, expected 2");
        VulkanRequestRecord? recA = Rcs.RecordOf((Request)a);
        VulkanRequestRecord? recB = Bcs.RecordOf((Request)b);
        Check(recA is not null && recB is not null, "requests missing from the engines' history");
        Check(recB!.QueuedTimestamp >= a.SignalTimestamp, "B reached the Vulkan queue before A's fence signalled");
        return $"A {Ms(recA!.SubmittedTimestamp, recA.CompletedTimestamp):0.0} ms on rcs0; B handed to bcs0 {Ms(a.SignalTimestamp, recB.QueuedTimestamp):0.00} ms after A signalled, saw A's store";
    }

    /// <summary>An igt_spin-style spinner on rcs0: started (its store visible while it runs), still running, ended by a host write.</summary>
    private string SpinnerStartEnd()
    {
        long t0 = Stopwatch.GetTimestamp();
        using var spin = Spinner.Start(Device, Client, new SpinnerOptions { Engine = EngineId.Rcs0 });
        Check(spin.WaitStarted(_options.StepBound), "spinner did not start");
        long started = Stopwatch.GetTimestamp();
        Check(!spin.Fence.IsSignaled, $"spinner finished on its own (status {Describe(spin.Fence.Status)})");
        spin.End();
        long ended = Stopwatch.GetTimestamp();
        Wait(spin.Fence, "spinner");
        Status(spin.Fence, 1, "spinner");
        return $"started after {Ms(t0, started):0.0} ms, ended {Ms(ended, spin.Fence.SignalTimestamp):0.0} ms after the host write, status 1";
    }

    /// <summary>
    /// A spinner nobody ends, with work queued behind it on rcs0 and beside it on bcs0: the hangcheck aborts it after
    /// the timeout, it is guilty (-EIO, reset stats batch_active 1), everything else completes.
    /// </summary>
    private string ForcedHang()
    {
        int ctx = NewContext();
        (int mem, uint address) = Object();
        var spin = Spinner.Start(Device, Client, new SpinnerOptions { Engine = EngineId.Rcs0, Context = ctx });
        Check(spin.WaitStarted(_options.StepBound), "spinner did not start");
        DmaFence behind = Exec(EngineId.Rcs0, Batch(new BatchBuilder().StoreDword(address, 0x11).End().ToArray()), objects: [mem]);
        DmaFence beside = Exec(EngineId.Bcs0, Batch(new BatchBuilder().StoreDword(address + 4, 0x22).End().ToArray()), objects: [mem]);
        long hangs = Rcs.Hangs;
        Wait(spin.Fence, "hung spinner");
        Status(spin.Fence, -Errno.EIO, "hung spinner");
        Wait(behind, "request queued behind the hang");
        Wait(beside, "request on bcs0");
        Status(behind, 1, "request queued behind the hang");
        Status(beside, 1, "request on bcs0");
        Check(Read(mem, 0) == 0x11 && Read(mem, 4) == 0x22, "stores of the innocent requests missing");
        Check(Rcs.Hangs == hangs + 1, $"engine counted {Rcs.Hangs - hangs} hangs, expected 1");
        Ok(Device.GetResetStats(Client, ctx, out ResetStats stats), "GetResetStats");
        Check(stats.BatchActive == 1, $"reset stats batch_active {stats.BatchActive}, expected 1");
        VulkanRequestRecord? rec = Rcs.RecordOf((Request)spin.Fence);
        spin.Dispose();
        return $"spinner -EIO after {Ms(rec!.SubmittedTimestamp, rec.CompletedTimestamp):0} ms ({rec.Reason}); "
            + "queued and concurrent requests completed; batch_active 1";
    }

    /// <summary>
    /// VK_ERROR_DEVICE_LOST (injected) while a spinner runs: the device is recreated, the spinner is guilty (-EIO),
    /// the request queued behind it replays on the new device and completes.
    /// </summary>
    private string DeviceLost()
    {
        int ctx = NewContext();
        (int mem, uint address) = Object();
        int recreations = Vulkan.Recreations;
        var spin = Spinner.Start(Device, Client, new SpinnerOptions { Engine = EngineId.Rcs0, Context = ctx });
        Check(spin.WaitStarted(_options.StepBound), "spinner did not start");
        DmaFence behind = Exec(EngineId.Rcs0, Batch(new BatchBuilder().StoreDword(address, 0x33).End().ToArray()), objects: [mem]);
        long t0 = Stopwatch.GetTimestamp();
        Vulkan.Faults.InjectDeviceLost();
        Wait(spin.Fence, "spinner on the lost device");
        Status(spin.Fence, -Errno.EIO, "spinner on the lost device");
        Wait(behind, "request queued behind it");
        Status(behind, 1, "request queued behind it");
        Check(Read(mem, 0) == 0x33, "store of the replayed request missing");
        Check(Vulkan.Recreations == recreations + 1, $"device recreated {Vulkan.Recreations - recreations} times, expected 1");
        Check(!Rcs.IsWedged, "engine wedged");
        spin.Dispose();
        return $"device recreated (generation {Vulkan.Generation}) in {Ms(t0, behind.SignalTimestamp):0} ms; spinner -EIO, queued request replayed, status 1";
    }

    /// <summary>Batches the backend cannot run fail at once with a clear error; the engine carries on.</summary>
    private string Untranslatable()
    {
        (int mem, uint address) = Object();
        DmaFence invalid = Exec(EngineId.Rcs0, Batch([Spinner.InvalidInstruction]));
        DmaFence after = Exec(EngineId.Rcs0, Batch(new BatchBuilder().StoreDword(address, 0x44).End().ToArray()), objects: [mem]);
        Wait(after, "request after the invalid one");
        Status(invalid, -Errno.EIO, "invalid instruction");
        Status(after, 1, "request after the invalid one");
        Check(Read(mem, 0) == 0x44, "store after the invalid batch missing");
        return $"invalid instruction -EIO ({Rcs.RecordOf((Request)invalid)?.Reason}); next request completed";
    }
}
