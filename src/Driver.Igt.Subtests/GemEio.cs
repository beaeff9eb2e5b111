using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

/// <summary>
/// gem_eio: only the ioctls that must report a wedged GPU do (-EIO), everything in flight when the GPU is wedged
/// completes with -EIO, waiters are woken by resets and wedges, and the GPU comes back after a reset.
/// Subtests of the in-flight family are in GemEio.InFlight.cs, the stress loops in GemEio.Stress.cs.
/// </summary>
public sealed partial class GemEio : IIgtBinary
{
    private const IgtExpectations Expect = IgtExpectations.Hang | IgtExpectations.Wedge;

    /// <inheritdoc/>
    public string Name => "gem_eio";

    /// <summary>
    /// The simulator's fast device with the 250 ms heartbeat gem_eio sets itself: the tests wedge or reset by hand,
    /// and hangcheck must not beat them to it while they queue work behind a hang.
    /// </summary>
    private static DeviceConfig Config()
    {
        DeviceConfig fast = IgtContext.DefaultConfig;
        return fast with { Reset = fast.Reset with { HeartbeatInterval = TimeSpan.FromMilliseconds(250) } };
    }

    /// <inheritdoc/>
    public void Register(IgtBinaryBuilder b)
    {
        b.Subtest("throttle", Throttle, Expect, "GEM_THROTTLE reports a wedged GPU with -EIO", Config);
        b.Subtest("create", Create, Expect, "Validate i915_gem_create_ioctl, while gpu is wedged for fb scanout.", Config);
        b.Subtest("create-ext", CreateExt, Expect, "Objects created while wedged have a clear backing store.", Config);
        b.Subtest("context-create", ContextCreate, Expect, "Context creation reports a wedged GPU with -EIO", Config);
        b.Subtest("execbuf", Execbuf, Expect, "Execbuf reports a wedged GPU with -EIO", Config);
        b.Subtest("banned", Banned, Expect, "Repeated hangs ban the context, not the file", Config);
        b.Subtest("in-flight-external", InFlightExternal, Expect, "A batch held by an external fence is cancelled once released on a wedged GPU", Config);
        b.Subtest("reset-stress", t => ResetStress(t, wedge: false), Expect, "Submit and execute work after each of many resets", Config);
        b.Subtest("unwedge-stress", t => ResetStress(t, wedge: true), Expect, "Submit and execute work after each of many wedge and unwedge cycles", Config);
        foreach ((string? name, double us) in s_waits)
        {
            b.Subtest($"wait-{name}", t => Wait(t, wedge: false, us), Expect, "A waiter is woken by a reset", Config);
            b.Subtest($"wait-wedge-{name}", t => Wait(t, wedge: true, us), Expect, "A waiter is woken by a wedge", Config);
            b.Subtest($"in-flight-{name}", t => InFlight(t, us), Expect, "Every batch queued behind a hang is cancelled by a wedge", Config);
            b.Subtest($"in-flight-contexts-{name}", t => InFlightContexts(t, us), Expect, "Batches of 64 contexts behind a hang are cancelled by a wedge", Config);
            b.Subtest($"in-flight-internal-{name}", t => InFlightInternal(t, us), Expect, "Batches on every engine waiting for a hang are cancelled by a wedge", Config);
        }
    }

    /// <summary>The hang delays of the wait and in-flight subtests: now, after 1 µs, after 10 ms (unscaled names).</summary>
    private static readonly (string Name, double Us)[] s_waits = [("immediate", 0), ("1us", 1), ("10ms", 10_000)];

    private static void Throttle(IgtContext t)
    {
        WedgeGpu(t);
        t.AssertEq(t.Device.Throttle(t.Fd), -Errno.EIO);
        TriggerReset(t);
    }

    private static void Create(IgtContext t)
    {
        WedgeGpu(t);
        IgtGem.Close(t, t.Device, t.Fd, IgtGem.Create(t, t.Device, t.Fd));
        TriggerReset(t);
    }

    private static void CreateExt(IgtContext t)
    {
        WedgeGpu(t);
        const long Size = 4096;
        int handle = IgtGem.Create(t, t.Device, t.Fd, Size);
        t.AssertEq(IgtGem.Read(t, t.Device, t.Fd, handle, Size / 2), 0);
        IgtGem.Close(t, t.Device, t.Fd, handle);
        TriggerReset(t);
    }

    private static void ContextCreate(IgtContext t)
    {
        WedgeGpu(t);
        t.AssertEq(t.Device.CreateContext(t.Fd, out _), -Errno.EIO);
        TriggerReset(t);
    }

    private static void Execbuf(IgtContext t)
    {
        int handle = IgtGem.BatchEnd(t, t.Device, t.Fd);
        WedgeGpu(t);
        t.AssertEq(IgtGem.TryExecbuf(t.Device, new ExecbufArgs { Client = t.Fd, Engine = 0, BatchHandle = handle }, out _), -Errno.EIO);
        IgtGem.Close(t, t.Device, t.Fd, handle);
        TriggerReset(t);
    }

    private static void Banned(IgtContext t)
    {
        GpuDevice dev = t.Device;
        int fd = t.OpenClient();
        int handle = IgtGem.BatchEnd(t, dev, fd);
        var args = new ExecbufArgs { Client = fd, Engine = 0, BatchHandle = handle };
        IgtGem.Quiescent(t, dev);
        t.Require(dev.SetResetParam(2) == 0);
        var sw = Stopwatch.StartNew();
        int count = 0;
        while (sw.Elapsed < IgtTime.Seconds(5) && count < 10)
        {
            if (IgtGem.TryExecbuf(dev, args, out _) == -Errno.EIO)
            {
                t.Info($"Banned after causing {count} hangs");
                t.Assert(count > 1);
                // Only this context, not the file, should be banned.
                int err = dev.CreateContext(fd, out int ctx);
                t.AssertNeq(err, -Errno.EIO);
                if (err == 0)
                {
                    // And check it actually works!
                    IgtGem.Execbuf(t, dev, args with { Context = ctx });
                    IgtGem.ContextDestroy(t, dev, fd, ctx);
                }
                return;
            }
            // Trigger a reset, making sure we are detected as guilty.
            Spinner hang = SpinSync(t, dev, fd, 0, EngineId.Rcs0);
            TriggerReset(t);
            hang.Dispose();
            count++;
        }
        t.Fail($"Ran for {IgtTime.Seconds(5).TotalSeconds:F2}s, {count} hangs without being banned");
    }

    private static void Wait(IgtContext t, bool wedge, double us)
    {
        GpuDevice dev = t.Device;
        int fd = t.OpenClient();
        // If the request we wait on completes due to a hang (even for that request), the wait returns 0.
        t.Require(dev.SetResetParam(wedge ? 0 : 2) == 0);
        Spinner hang = SpinSync(t, dev, fd, 0, EngineId.Rcs0);
        CheckWait(t, dev, fd, hang.Handle, us, null);
        hang.Dispose();
        t.Require(dev.SetResetParam(2) == 0);
        TriggerReset(t);
    }
}
