using Driver.Core.Hw;
using Driver.Uapi;

namespace Driver.Igt.Lib;

/// <summary>igt_hang_ctx / igt_post_hang_ring (lib/igt_gt.c): a batch that never ends, left to hangcheck.</summary>
public static class IgtHang
{
    /// <summary>
    /// igt_hang_ctx: a non-preemptible spinner on <paramref name="engine"/> of <paramref name="ctx"/>. Unless
    /// <paramref name="allowBan"/>, the context is made unbannable first (HANG_ALLOW_BAN not given).
    /// </summary>
    public static Spinner Start(IgtContext t, GpuDevice dev, int fd, int ctx, EngineId engine, bool allowBan = false)
    {
        if (!allowBan)
        {
            IgtGem.SetParam(t, dev, fd, ctx, ContextParam.Bannable, 0);
        }

        return IgtSpin.New(t, dev, fd, new SpinnerOptions { Context = ctx, Engine = engine, NoPreemption = true, FenceOut = true });
    }

    /// <summary>igt_post_hang_ring: waits for hangcheck to kill the hang, then frees it.</summary>
    public static void Post(IgtContext t, GpuDevice dev, int fd, Spinner hang)
    {
        IgtGem.Sync(t, dev, fd, hang.Handle);
        hang.Dispose();
    }
}
