using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

public sealed partial class GemEio
{
    /// <summary>Batches queued behind the hang (gem_measure_ring_inflight - 1, capped at 63 as in IGT).</summary>
    private const int InFlightBatches = 63;

    /// <summary>
    /// test_inflight: per engine, a hang and 63 batches that write its object (so they wait for it), then a wedge
    /// now or later: every batch's fence is -EIO.
    /// </summary>
    private static void InFlight(IgtContext t, double us)
    {
        GpuDevice dev = t.Device;
        foreach (EngineId e in EngineIds.All)
        {
            int fd = t.OpenClient();
            int batch = IgtGem.BatchEnd(t, dev, fd);
            IgtGem.Quiescent(t, dev);
            t.Debug($"Starting {nameof(InFlight)} on engine '{e.Name()}'");
            t.Require(dev.SetResetParam(0) == 0);
            Spinner hang = SpinSync(t, dev, fd, 0, e);
            var fences = new List<DmaFence>();
            for (int n = 0; n < InFlightBatches; n++)
            {
                fences.Add(IgtGem.Execbuf(t, dev, new ExecbufArgs { Client = fd, Engine = (int)e, BatchHandle = batch, WriteObjects = [hang.Handle] }));
            }

            CheckWait(t, dev, fd, batch, us, null);
            foreach (DmaFence f in fences)
            {
                t.AssertEq(IgtSync.Status(f), -Errno.EIO);
            }

            hang.Dispose();
            t.Assert(dev.SetResetParam(2) == 0);
            TriggerReset(t);
            IgtGem.Close(t, dev, fd, batch);
            t.AssertEq(dev.CloseClient(fd), 0);
        }
    }

    /// <summary>test_inflight_contexts: as in-flight, with one batch from each of 64 unbannable contexts.</summary>
    private static void InFlightContexts(IgtContext t, double us)
    {
        GpuDevice dev = t.Device;
        foreach (EngineId e in EngineIds.All)
        {
            int fd = t.OpenClient();
            int[] contexts = Enumerable.Range(0, 64).Select(_ => IgtGem.ContextCreateSafe(t, dev, fd)).ToArray();
            IgtGem.Quiescent(t, dev);
            t.Debug($"Starting {nameof(InFlightContexts)} on engine '{e.Name()}'");
            t.Require(dev.SetResetParam(0) == 0);
            int batch = IgtGem.BatchEnd(t, dev, fd);
            Spinner hang = SpinSync(t, dev, fd, 0, e);
            var fences = contexts.Select(ctx => IgtGem.Execbuf(t, dev, new ExecbufArgs
            {
                Client = fd,
                Context = ctx,
                Engine = (int)e,
                BatchHandle = batch,
                WriteObjects = [hang.Handle],
            })).ToList();
            CheckWait(t, dev, fd, batch, us, null);
            foreach (DmaFence? f in fences)
            {
                t.AssertEq(IgtSync.Status(f), -Errno.EIO);
            }

            hang.Dispose();
            IgtGem.Close(t, dev, fd, batch);
            t.Assert(dev.SetResetParam(2) == 0);
            TriggerReset(t);
            foreach (int ctx in contexts)
            {
                IgtGem.ContextDestroy(t, dev, fd, ctx);
            }

            t.AssertEq(dev.CloseClient(fd), 0);
        }
    }

    /// <summary>test_inflight_internal: a hang on one engine and, on every engine, a batch waiting for it; all -EIO after the wedge.</summary>
    private static void InFlightInternal(IgtContext t, double us)
    {
        GpuDevice dev = t.Device;
        int fd = t.OpenClient();
        t.Require(dev.SetResetParam(0) == 0);
        Spinner hang = SpinSync(t, dev, fd, 0, EngineId.Rcs0);
        int batch = IgtGem.BatchEnd(t, dev, fd);
        var fences = EngineIds.All.Select(e => IgtGem.Execbuf(t, dev, new ExecbufArgs
        {
            Client = fd,
            Engine = (int)e,
            BatchHandle = batch,
            WriteObjects = [hang.Handle],
        })).ToList();
        CheckWait(t, dev, fd, batch, us, null);
        foreach (DmaFence? f in fences)
        {
            t.AssertEq(IgtSync.Status(f), -Errno.EIO);
        }

        hang.Dispose();
        t.Assert(dev.SetResetParam(2) == 0);
        TriggerReset(t);
    }

    /// <summary>
    /// test_inflight_external: a batch held back by an external fence is still busy after the GPU was wedged under
    /// it; released, it completes with -EIO.
    /// </summary>
    private static void InFlightExternal(IgtContext t)
    {
        GpuDevice dev = t.Device;
        int fd = t.OpenClient();
        var cork = IgtCork.Plug(t, dev, fd);
        t.Require(dev.SetResetParam(0) == 0);
        Spinner hang = IgtSpin.New(t, dev, fd, new SpinnerOptions { NoPreemption = true, FenceOut = true });
        int batch = IgtGem.BatchEnd(t, dev, fd);
        DmaFence fence = IgtGem.Execbuf(t, dev, new ExecbufArgs { Client = fd, Engine = 0, BatchHandle = batch, InFences = [cork.Fence] });
        IgtSpin.WaitStarted(t, hang);
        ManualHang(dev);
        IgtGem.Sync(t, dev, fd, hang.Handle); // wedged, with an unready batch
        t.Assert(!IgtGem.Busy(t, dev, fd, hang.Handle));
        t.Assert(IgtGem.Busy(t, dev, fd, batch));
        cork.Unplug(); // only now submit our batches
        t.AssertEq(IgtGem.Wait(dev, fd, batch, IgtTime.Forever), 0);
        t.AssertEq(IgtSync.Status(fence), -Errno.EIO);
        hang.Dispose();
        t.Assert(dev.SetResetParam(2) == 0);
        TriggerReset(t);
    }
}
