using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

public sealed partial class GemEio
{
    /// <summary>Resets (or wedges) per engine before the wake-up statistics are judged (NUMER_OF_MEASURED_CYCLES_NEEDED).</summary>
    private const int StressCycles = 9;

    /// <summary>Batches queued per context behind the hang in each cycle.</summary>
    private const int StressBatches = 16;

    /// <summary>
    /// test_reset_stress: on every engine, cycles of a hang with work queued behind it from two contexts, a reset
    /// (or a wedge) 100 ms (scaled) later, then work from both contexts must run again.
    /// </summary>
    private static void ResetStress(IgtContext t, bool wedge)
    {
        GpuDevice dev = t.Device;
        int fd = t.OpenClient();
        int ctx0 = IgtGem.ContextCreateSafe(t, dev, fd);
        foreach (EngineId e in EngineIds.All)
        {
            ResetStress(t, dev, fd, ctx0, e, wedge);
        }

        IgtGem.ContextDestroy(t, dev, fd, ctx0);
    }

    private static void ResetStress(IgtContext t, GpuDevice dev, int fd, int ctx0, EngineId engine, bool wedge)
    {
        int batch = IgtGem.BatchEnd(t, dev, fd);
        var stats = new IgtStats();
        var sw = Stopwatch.StartNew();
        t.Debug($"Using {StressBatches} inflight batches for {engine.Name()}");
        while (sw.Elapsed < IgtTime.Seconds(20) && stats.Count < StressCycles)
        {
            int ctx = IgtGem.ContextCreateSafe(t, dev, fd);
            IgtGem.Quiescent(t, dev);
            t.Require(dev.SetResetParam(wedge ? 0 : 2) == 0);
            // Start executing a spin batch with some queued batches against a different context after it.
            Spinner hang = SpinSync(t, dev, fd, ctx0, engine);
            Submit(t, dev, fd, batch, engine, ctx, ctx0);
            // Wedge (or reset) after a small delay.
            CheckWait(t, dev, fd, batch, 100_000, stats);
            t.AssertEq(IgtSync.Status(hang.OutFence!), -Errno.EIO);
            // Unwedge by forcing a reset.
            t.Assert(dev.SetResetParam(2) == 0);
            TriggerReset(t);
            IgtGem.Quiescent(t, dev);
            // Verify that we are able to submit work after unwedging from both contexts.
            Submit(t, dev, fd, batch, engine, ctx, ctx0);
            IgtGem.Sync(t, dev, fd, batch);
            hang.Dispose();
            IgtGem.ContextDestroy(t, dev, fd, ctx);
        }
        CheckWaitElapsed(t, engine.Name(), stats);
        IgtGem.Close(t, dev, fd, batch);
    }

    private static void Submit(IgtContext t, GpuDevice dev, int fd, int batch, EngineId engine, int ctx, int ctx0)
    {
        foreach (int c in new[] { ctx, ctx0 })
        {
            for (int i = 0; i < StressBatches; i++)
            {
                IgtGem.Execbuf(t, dev, new ExecbufArgs { Client = fd, Context = c, Engine = (int)engine, BatchHandle = batch });
            }
        }
    }
}
