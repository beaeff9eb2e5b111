using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

public sealed partial class GemResetStats
{
    private static void RegisterRing(IgtBinaryBuilder b, string ring, EngineId e)
    {
        void Sub(string name, Action<IgtContext, EngineId, List<Spinner>> test, string description) =>
            b.Subtest($"{name}-{ring}", t =>
            {
                var leftovers = new List<Spinner>();
                try { Run(t, () => test(t, e, leftovers)); }
                finally
                {
                    foreach (Spinner s in leftovers)
                    {
                        s.Dispose();
                    }
                }
            }, Expect, description);

        Sub("reset-stats", (t, e, l) => TestRs(t, e, 4, 1, NoError, l), "Only the hanging file is guilty");
        Sub("reset-stats-ctx", (t, e, l) => TestRsCtx(t, e, 4, 4, 1, 2, l), "Only the hanging context of the hanging file is guilty");
        Sub("ban", (t, e, l) => TestBan(t, e, l), "Repeated hangs ban the bad file's context, not the good file");
        Sub("ban-ctx", (t, e, l) => TestBanCtx(t, e, l), "Repeated hangs ban the bad context, not the good one");
        Sub("reset-count", (t, e, l) => TestResetCount(t, e, createCtx: false), "One hang bumps the reset count by exactly one");
        Sub("reset-count-ctx", (t, e, l) => TestResetCount(t, e, createCtx: true), "One hang on a context bumps the reset count by exactly one");
        Sub("unrelated-ctx", (t, e, l) => TestUnrelatedCtx(t, e), "A context of another file is not touched by a hang");
        Sub("close-pending", (t, e, l) => TestClosePending(t, e), "Closing the file after a hang is safe");
        Sub("close-pending-ctx", (t, e, l) => TestClosePendingCtx(t, e), "Destroying the hung context is safe, and only once");
        Sub("defer-hangcheck", (t, e, l) => DeferHangcheck(t, e), "Work on another engine does not delay hang detection");
    }

    /// <summary>test_rs: num_fds files, one hangs (unless hangIndex &lt; 0), the others queue nops; only the hanger is guilty.</summary>
    private static void TestRs(IgtContext t, EngineId e, int numFds, int hangIndex, int assumedNoHang, List<Spinner> leftovers)
    {
        GpuDevice dev = t.Device;
        t.Debug($"num fds={numFds}, hang index={hangIndex}");
        int[] fds = new int[numFds];
        for (int i = 0; i < numFds; i++)
        {
            fds[i] = t.OpenClient();
            AssertResetStatus(t, i, fds[i], 0, NoError);
        }
        IgtGem.Quiescent(t, dev);
        var injected = Stopwatch.StartNew();
        for (int i = 0; i < numFds; i++)
        {
            if (i == hangIndex)
            {
                InjectHang(t, fds[i], 0, e, ban: false, async: true, leftovers);
            }
            else
            {
                t.AssertEq(Noop(t, fds[i], 0, e), 0);
            }
        }
        IgtGem.Quiescent(t, dev);
        for (int i = 0; i < numFds; i++)
        {
            if (hangIndex < 0)
            {
                AssertResetStatus(t, i, fds[i], 0, assumedNoHang);
            }
            else
            {
                AssertResetStatus(t, i, fds[i], 0, i == hangIndex ? BatchActive : NoError);
            }
        }
        t.AssertLte((long)injected.Elapsed.TotalSeconds, (long)IgtTime.Seconds(30).TotalSeconds);
        foreach (int fd in fds)
        {
            t.AssertEq(dev.CloseClient(fd), 0);
        }
    }

    /// <summary>test_rs_ctx: num_fds files with num_ctx contexts each; one context of one file hangs.</summary>
    private static void TestRsCtx(IgtContext t, EngineId e, int numFds, int numCtx, int hangIndex, int hangContext, List<Spinner> leftovers)
    {
        GpuDevice dev = t.Device;
        TestRs(t, e, numFds, -1, NoError, leftovers);
        int[] fds = new int[numFds];
        int[,] ctx = new int[numFds, numCtx];
        for (int i = 0; i < numFds; i++)
        {
            fds[i] = t.OpenClient();
            AssertResetStatus(t, i, fds[i], 0, NoError);
            for (int j = 0; j < numCtx; j++)
            {
                ctx[i, j] = IgtGem.ContextCreate(t, dev, fds[i]);
            }

            AssertResetStatus(t, i, fds[i], 0, NoError);
        }
        for (int i = 0; i < numFds; i++)
        {
            for (int j = 0; j < numCtx; j++)
            {
                AssertResetStatus(t, i, fds[i], ctx[i, j], NoError);
            }
        }

        var injected = Stopwatch.StartNew();
        for (int i = 0; i < numFds; i++)
        {
            for (int j = 0; j < numCtx; j++)
            {
                if (i == hangIndex && j == hangContext)
                {
                    InjectHang(t, fds[i], ctx[i, j], e, ban: false, async: true, leftovers);
                }
                else
                {
                    t.AssertEq(Noop(t, fds[i], ctx[i, j], e), 0);
                }
            }
        }
        IgtGem.Quiescent(t, dev);
        t.AssertLte((long)injected.Elapsed.TotalSeconds, (long)IgtTime.Seconds(30).TotalSeconds);
        for (int i = 0; i < numFds; i++)
        {
            AssertResetStatus(t, i, fds[i], 0, NoError);
        }

        for (int i = 0; i < numFds; i++)
        {
            for (int j = 0; j < numCtx; j++)
            {
                AssertResetStatus(t, i, fds[i], ctx[i, j], i == hangIndex && j == hangContext ? BatchActive : NoError);
            }
        }

        for (int i = 0; i < numFds; i++)
        {
            AssertResetStatus(t, i, fds[i], 0, NoError);
            t.AssertEq(dev.CloseClient(fds[i]), 0);
        }
    }

    private static void TestBan(IgtContext t, EngineId e, List<Spinner> leftovers)
    {
        GpuDevice dev = t.Device;
        int bad = t.OpenClient(), good = t.OpenClient();
        AssertResetStatus(t, bad, bad, 0, NoError);
        AssertResetStatus(t, good, good, 0, NoError);
        Noop(t, bad, 0, e);
        Noop(t, good, 0, e);
        AssertResetStatus(t, bad, bad, 0, NoError);
        AssertResetStatus(t, good, good, 0, NoError);
        int activeCount = BanLoop(t, bad, 0, good, 0, e, leftovers);
        t.AssertEq(Noop(t, good, 0, e), 0);
        AssertResetStatus(t, bad, bad, 0, BatchActive);
        t.AssertEq(Stats(t, bad, 0).BatchActive, activeCount);
        AssertResetStatus(t, good, good, 0, NoError);
        t.AssertEq(Stats(t, good, 0).BatchActive, 0);
        t.AssertEq(dev.CloseClient(bad), 0);
        t.AssertEq(dev.CloseClient(good), 0);
    }

    private static void TestBanCtx(IgtContext t, EngineId e, List<Spinner> leftovers)
    {
        GpuDevice dev = t.Device;
        int fd = t.OpenClient();
        AssertResetStatus(t, fd, fd, 0, NoError);
        int ctxGood = IgtGem.ContextCreate(t, dev, fd), ctxBad = IgtGem.ContextCreate(t, dev, fd);
        AssertResetStatus(t, fd, fd, 0, NoError);
        AssertResetStatus(t, fd, fd, ctxGood, NoError);
        AssertResetStatus(t, fd, fd, ctxBad, NoError);
        Noop(t, fd, ctxBad, e);
        Noop(t, fd, ctxGood, e);
        AssertResetStatus(t, fd, fd, ctxGood, NoError);
        AssertResetStatus(t, fd, fd, ctxBad, NoError);
        int activeCount = BanLoop(t, fd, ctxBad, fd, ctxGood, e, leftovers);
        t.AssertEq(Noop(t, fd, ctxGood, e), 0);
        AssertResetStatus(t, fd, fd, ctxBad, BatchActive);
        t.AssertEq(Stats(t, fd, ctxBad).BatchActive, activeCount);
        AssertResetStatus(t, fd, fd, ctxGood, NoError);
        t.AssertEq(Stats(t, fd, ctxGood).BatchActive, 0);
        t.AssertEq(dev.CloseClient(fd), 0);
    }

    /// <summary>The common part of test_ban(_ctx): hang until the bad context's submissions get -EIO; returns the hangs caused.</summary>
    private static int BanLoop(IgtContext t, int badFd, int badCtx, int goodFd, int goodCtx, EngineId e, List<Spinner> leftovers)
    {
        int activeCount = 0;
        InjectHang(t, badFd, badCtx, e, ban: true, async: true, leftovers);
        activeCount++;
        Noop(t, goodFd, goodCtx, e);
        Noop(t, goodFd, goodCtx, e);
        int ban = 0;
        for (int retry = 10; retry-- > 0;)
        {
            InjectHang(t, badFd, badCtx, e, ban: true, async: false, leftovers);
            activeCount++;
            ban = Noop(t, badFd, badCtx, e);
            if (ban == -Errno.EIO)
            {
                break;
            }
            // Should not happen often but sometimes hang is declared too slow due to our way of faking hang using loop.
            t.Info($"retrying for ban ({retry})");
        }
        t.AssertEq(ban, -Errno.EIO);
        return activeCount;
    }

    private static void TestUnrelatedCtx(IgtContext t, EngineId e)
    {
        GpuDevice dev = t.Device;
        int fd1 = t.OpenClient(), fd2 = t.OpenClient();
        AssertResetStatus(t, 0, fd1, 0, NoError);
        AssertResetStatus(t, 1, fd2, 0, NoError);
        int guilty = IgtGem.ContextCreate(t, dev, fd1), unrelated = IgtGem.ContextCreate(t, dev, fd2);
        AssertResetStatus(t, 0, fd1, guilty, NoError);
        AssertResetStatus(t, 1, fd2, unrelated, NoError);
        InjectHang(t, fd1, guilty, e, ban: false, async: false, []);
        AssertResetStatus(t, 0, fd1, guilty, BatchActive);
        AssertResetStatus(t, 1, fd2, unrelated, NoError);
        t.AssertEq(IgtGem.Noop(t, dev, fd2, unrelated, e, out DmaFence? fence), 0);
        t.AssertEq(IgtSync.Wait(fence!, IgtTime.Forever), 0);
        AssertResetStatus(t, 0, fd1, guilty, BatchActive);
        AssertResetStatus(t, 1, fd2, unrelated, NoError);
        t.AssertEq(dev.CloseClient(fd1), 0);
        t.AssertEq(dev.CloseClient(fd2), 0);
    }

    private static void TestResetCount(IgtContext t, EngineId e, bool createCtx)
    {
        GpuDevice dev = t.Device;
        int fd = t.OpenClient();
        int ctx = createCtx ? IgtGem.ContextCreate(t, dev, fd) : 0;
        AssertResetStatus(t, fd, fd, ctx, NoError);
        long c1 = Stats(t, fd, ctx).ResetCount;
        t.Assert(c1 >= 0);
        InjectHang(t, fd, ctx, e, ban: false, async: false, []);
        AssertResetStatus(t, fd, fd, ctx, BatchActive);
        long c2 = Stats(t, fd, ctx).ResetCount;
        t.Assert(c2 >= 0);
        t.Assert(c2 == c1 + 1);
        // The forked child that dropped root: an unprivileged client sees no reset count.
        int user = t.OpenClient(privileged: false);
        t.Assert(Stats(t, user, 0).ResetCount == 0);
        if (createCtx)
        {
            IgtGem.ContextDestroy(t, dev, fd, ctx);
        }

        t.AssertEq(dev.CloseClient(fd), 0);
    }

    private static void TestClosePending(IgtContext t, EngineId e)
    {
        int fd = t.OpenClient();
        AssertResetStatus(t, fd, fd, 0, NoError);
        InjectHang(t, fd, 0, e, ban: false, async: false, []);
        t.AssertEq(t.Device.CloseClient(fd), 0);
    }

    private static void TestClosePendingCtx(IgtContext t, EngineId e)
    {
        GpuDevice dev = t.Device;
        int fd = t.OpenClient();
        int ctx = IgtGem.ContextCreate(t, dev, fd);
        AssertResetStatus(t, fd, fd, ctx, NoError);
        InjectHang(t, fd, ctx, e, ban: false, async: false, []);
        IgtGem.ContextDestroy(t, dev, fd, ctx);
        t.AssertEq(dev.DestroyContext(fd, ctx), -Errno.ENOENT);
        t.AssertEq(dev.CloseClient(fd), 0);
    }

    /// <summary>defer_hangcheck: a hang on one engine is reset while another engine keeps getting work.</summary>
    private static void DeferHangcheck(IgtContext t, EngineId engine)
    {
        int fd = t.OpenClient();
        var next = (EngineId)(((int)engine + 1) % EngineIds.Count);
        t.SkipOn(next == engine);
        long countStart = Stats(t, fd, 0).ResetCount;
        t.AssertLte(0, countStart);
        InjectHang(t, fd, 0, engine, ban: false, async: false, []);
        long countEnd = countStart;
        for (int seconds = 30; --seconds > 0;)
        {
            Noop(t, fd, 0, next);
            countEnd = Stats(t, fd, 0).ResetCount;
            t.AssertLte(0, countEnd);
            if (countEnd > countStart)
            {
                break;
            }

            Thread.Sleep(IgtTime.Seconds(1));
        }
        t.AssertLt(countStart, countEnd);
        t.AssertEq(t.Device.CloseClient(fd), 0);
    }
}
