using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

/// <summary>
/// gem_reset_stats: GET_RESET_STATS under full GPU resets (i915.reset=1): only the hanging context is guilty,
/// innocent ones stay clean, repeated hangs ban the bad context or file and never the good one, the global reset
/// count goes up by exactly one per reset and reads 0 for unprivileged callers, and bad arguments are refused.
/// The per-ring subtests are in GemResetStats.Rings.cs.
/// </summary>
public sealed partial class GemResetStats : IIgtBinary
{
    private const IgtExpectations Expect = IgtExpectations.Hang;

    private const int NoError = 0;
    private const int BatchActive = 1;
    private const int BatchPending = 2;

    /// <inheritdoc/>
    public string Name => "gem_reset_stats";

    /// <inheritdoc/>
    public void Register(IgtBinaryBuilder b)
    {
        b.Subtest("params", t => Run(t, () => TestParams(t, createCtx: false)), Expect, "GET_RESET_STATS argument checks on the default context");
        b.Subtest("params-ctx", t => Run(t, () => TestParams(t, createCtx: true)), Expect, "GET_RESET_STATS argument checks on a created context");
        foreach ((string? ring, EngineId e) in IgtRings.All)
        {
            RegisterRing(b, ring, e);
        }
    }

    /// <summary>RUN_TEST: only full GPU resets (the fixture's i915.reset=1), an idle GPU before and after.</summary>
    private static void Run(IgtContext t, Action test)
    {
        t.Assert(t.Device.SetResetParam(1) == 0);
        IgtGem.Quiescent(t, t.Device);
        test();
        IgtGem.Quiescent(t, t.Device);
    }

    private static int ResetStatus(IgtContext t, int fd, int ctx)
    {
        int err = t.Device.GetResetStats(fd, ctx, out ResetStats rs);
        if (err != 0)
        {
            return err;
        }

        if (rs.BatchActive != 0)
        {
            return BatchActive;
        }

        return rs.BatchPending != 0 ? BatchPending : NoError;
    }

    private static string StatusName(int status) => status switch
    {
        NoError => "No error",
        BatchActive => "Guilty",
        BatchPending => "Pending",
        _ => "Unknown",
    };

    /// <summary>assert_reset_status: the context's reset status is <paramref name="expected"/>.</summary>
    private static void AssertResetStatus(IgtContext t, int idx, int fd, int ctx, int expected)
    {
        int rs = ResetStatus(t, fd, ctx);
        if (rs != expected)
        {
            t.Info($"{idx}:{ctx} expected '{StatusName(expected)}' [{expected}], found '{StatusName(rs)}' [{rs}]");
        }

        t.AssertEq(rs, expected);
    }

    private static ResetStats Stats(IgtContext t, int fd, int ctx)
    {
        t.AssertEq(t.Device.GetResetStats(fd, ctx, out ResetStats rs), 0);
        return rs;
    }

    /// <summary>
    /// inject_hang: a hang on <paramref name="ctx"/> (unbannable unless <paramref name="ban"/>); unless
    /// <paramref name="async"/>, waits for hangcheck to kill it. Async hangs are freed at the end of the subtest.
    /// </summary>
    private static void InjectHang(IgtContext t, int fd, int ctx, EngineId e, bool ban, bool async, List<Spinner> leftovers)
    {
        Spinner hang = IgtHang.Start(t, t.Device, fd, ctx, e, allowBan: ban);
        if (async)
        {
            leftovers.Add(hang);
        }
        else
        {
            IgtHang.Post(t, t.Device, fd, hang);
        }
    }

    /// <summary>noop: a nop batch on <paramref name="e"/>; the errno of the submission.</summary>
    private static int Noop(IgtContext t, int fd, int ctx, EngineId e) => IgtGem.Noop(t, t.Device, fd, ctx, e, out _);

    private static void TestParams(IgtContext t, bool createCtx)
    {
        GpuDevice dev = t.Device;
        int fd = t.OpenClient();
        int ctx = createCtx ? IgtGem.ContextCreate(t, dev, fd) : 0;
        CheckParams(t, fd, ctx, root: true);
        // The child that drops root: an unprivileged client of its own.
        int user = t.OpenClient(privileged: false);
        int userCtx = createCtx ? IgtGem.ContextCreate(t, dev, user) : 0;
        CheckParams(t, user, userCtx, root: false);
        CheckParams(t, fd, ctx, root: true);
    }

    private static void CheckParams(IgtContext t, int fd, int ctx, bool root)
    {
        GpuDevice dev = t.Device;
        t.AssertEq(dev.GetResetStats(fd, 0xbadbad, out _), -Errno.ENOENT);
        uint bad = (uint)Random.Shared.Next(1, int.MaxValue);
        if (ctx == 0)
        {
            t.AssertEq(dev.GetResetStats(fd, ctx, out _, 0, 0), 0);
            if (!root)
            {
                t.AssertEq(Stats(t, fd, ctx).ResetCount, 0);
            }
        }
        t.AssertEq(dev.GetResetStats(fd, ctx, out _, 0, bad), -Errno.EINVAL);
        t.AssertEq(dev.GetResetStats(fd, ctx, out _, bad, 0), -Errno.EINVAL);
        t.AssertEq(dev.GetResetStats(fd, ctx, out _, bad, bad), -Errno.EINVAL);
    }
}
