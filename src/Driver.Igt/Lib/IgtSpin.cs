using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Isa;
using Driver.Uapi;

namespace Driver.Igt.Lib;

/// <summary>igt_spin helpers (lib/igt_dummyload.c) over <see cref="Spinner"/>.</summary>
public static class IgtSpin
{
    /// <summary>How long a spinner may take to start before the test fails (IGT warns at 250 ms, fails at 2 s).</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(2);

    /// <summary>igt_spin_new: submits a spinner, asserted.</summary>
    public static Spinner New(IgtContext t, GpuDevice dev, int fd, SpinnerOptions? options = null)
    {
        int err = Spinner.Create(dev, fd, options ?? new SpinnerOptions(), out Spinner? spin);
        t.AssertEq(err, 0);
        return spin!;
    }

    /// <summary>igt_spin_busywait_until_started: fails if the spinner has not started within <see cref="StartTimeout"/>.</summary>
    public static void WaitStarted(IgtContext t, Spinner spin) =>
        t.AssertF(spin.WaitStarted(StartTimeout), $"spinner did not start within {StartTimeout.TotalSeconds:F0}s");

    /// <summary>A started spinner (spin_sync / igt_spin_new + busywait).</summary>
    public static Spinner Sync(IgtContext t, GpuDevice dev, int fd, SpinnerOptions? options = null)
    {
        Spinner spin = New(t, dev, fd, options);
        WaitStarted(t, spin);
        return spin;
    }

    /// <summary>igt_spin_reset: re-arms an ended spinner's batch so it spins again when resubmitted.</summary>
    public static void Reset(IgtContext t, GpuDevice dev, int fd, Spinner spin)
    {
        IgtGem.Sync(t, dev, fd, spin.Handle);
        t.AssertEq(dev.Write(fd, spin.Handle, Spinner.LoopOffset, [Mi.Noop]), 0);
        t.AssertEq(dev.Write(fd, spin.Handle, Spinner.ConditionOffset, [0]), 0);
        t.AssertEq(dev.Write(fd, spin.Handle, Spinner.PollOffset, [0]), 0);
    }

    /// <summary>Resubmits a spinner's batch (gem_execbuf(&amp;spin->execbuf)) on another context or engine.</summary>
    public static int Resubmit(GpuDevice dev, int fd, Spinner spin, int ctx, EngineId engine, out DmaFence? fence) =>
        dev.Execbuf(new ExecbufArgs { Client = fd, Context = ctx, Engine = (int)engine, BatchHandle = spin.Handle }, out fence);
}
