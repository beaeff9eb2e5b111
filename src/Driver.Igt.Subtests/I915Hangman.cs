using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Igt.Lib;
using Driver.Reset.Capture;
using Driver.Reset.Events;
using Driver.Reset.Recovery;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

/// <summary>
/// i915_hangman: hang detection and recovery. Error states are captured and cleared, an unterminated batch is
/// caught, each hang raises exactly one error notification, a hang on one engine is reset without disturbing
/// the others, and the error state shows the hung engine, its batch address and the batch.
/// </summary>
public sealed class I915Hangman : IIgtBinary
{
    private const IgtExpectations Expect = IgtExpectations.Hang;

    /// <inheritdoc/>
    public string Name => "i915_hangman";

    /// <inheritdoc/>
    public void Register(IgtBinaryBuilder b)
    {
        b.Subtest("error-state-basic", ErrorStateBasic, Expect, "Basic error capture");
        b.Subtest("hangcheck-unterminated", HangcheckUnterminated, Expect, "Check that executing unintialised memory causes a hang");
        b.SubtestWithDynamic("detector", t => PerEngine(t, TestHangDetector), Expect, "Check that hang detector works");
        b.SubtestWithDynamic("engine-hang", t => PerEngine(t, e => TestEngineHang(e.T, e.Engine, invalidCs: false)), Expect, "Per engine hang recovery (spin, engine reset)");
        b.SubtestWithDynamic("engine-error", t => PerEngine(t, e => TestEngineHang(e.T, e.Engine, invalidCs: true)), Expect, "Per engine hang recovery (invalid CS, engine reset)");
        b.SubtestWithDynamic("error-state-capture", t => PerEngine(t, TestErrorStateCapture), Expect, "Per engine error capture (engine reset)");
    }

    private static void PerEngine(IgtContext t, Action<(IgtContext T, EngineId Engine)> test)
    {
        foreach (EngineId e in EngineIds.All)
        {
            t.Dynamic(e.Name(), d => test((d, e)));
        }
    }

    private static void ErrorStateBasic(IgtContext t)
    {
        GpuDevice dev = t.Device;
        dev.ClearErrorState();
        t.Assert(dev.ReadErrorState() is null);
        // Manually trigger a hang by requesting a reset (debugfs i915_wedged = 1).
        dev.ForceReset(EngineId.Rcs0.Mask(), "Manually set wedged engine mask = 1");
        t.Assert(dev.ReadErrorState() is not null);
        dev.ClearErrorState();
        t.Assert(dev.ReadErrorState() is null);
    }

    /// <summary>
    /// A batch of zeros (MI_NOOPs) with no end, bound at the very top of the GGTT so it runs off into unmapped space;
    /// hangcheck must catch it well within 100 s (scaled). IGT only checks that the wait ends; a batch that ended
    /// without a hang would end the wait too, so here the batch must also have been killed by the reset (-EIO,
    /// i915_request_set_error_once on the guilty request in __i915_request_reset).
    /// </summary>
    private static void HangcheckUnterminated(IgtContext t)
    {
        GpuDevice dev = t.Device;
        int fd = t.Fd;
        int handle = IgtGem.Create(t, dev, fd);
        uint top = (uint)(dev.Config.Gt.GgttBytes - DeviceMemory.PageSize);
        t.AssertEq(dev.Bind(fd, handle, out _, top), 0);
        DmaFence fence = IgtGem.Execbuf(t, dev, new ExecbufArgs { Client = fd, Engine = 0, BatchHandle = handle });
        if (IgtGem.Wait(dev, fd, handle, IgtTime.Seconds(100)) != 0)
        {
            // Need to manually trigger a hang to clean up before failing.
            dev.ForceReset();
            t.Fail("unterminated batch did not trigger a hang!");
        }
        t.AssertF(fence.Status == -Errno.EIO, $"unterminated batch ended with {IgtSync.Status(fence)}, not killed by a hang (-EIO)");
        IgtAlive.Check(t, dev);
    }

    private static void TestHangDetector((IgtContext T, EngineId Engine) p)
    {
        (IgtContext? t, EngineId e) = p;
        GpuDevice dev = t.Device;
        int hangs = 0;
        // The detector listens for the ERROR=1 uevent, which only a full reset sends; IGT runs this subtest under
        // igt_allow_hang without HANG_WANT_ENGINE_RESET, i.e. with i915.reset=1 (full resets only).
        int resetMethod = dev.Reset.ResetMethod;
        dev.Reset.ResetMethod = 1;
        try
        {
            using (dev.Reset.Events.Subscribe(ev =>
            {
                if (ev.Kind == GpuEventKind.Uevent && ev.Message == GtReset.ErrorUevent)
                {
                    Interlocked.Increment(ref hangs);
                }
            }))
            {
                Spinner hang = IgtHang.Start(t, dev, t.Fd, 0, e);
                IgtHang.Post(t, dev, t.Fd, hang);
            }
        }
        finally
        {
            dev.Reset.ResetMethod = resetMethod;
        }
        // Did it work?
        t.AssertEq(Volatile.Read(ref hangs), 1);
        IgtAlive.Check(t, dev);
    }

    /// <summary>
    /// test_engine_hang: background spinners on unbannable contexts keep the other engines busy; a
    /// non-preemptible (or invalid) spinner on the target engine is killed with -EIO while the background ones are
    /// still busy and end cleanly afterwards.
    /// </summary>
    private static void TestEngineHang(IgtContext t, EngineId target, bool invalidCs)
    {
        GpuDevice dev = t.Device;
        int fd = t.Fd;
        IgtGem.SetParam(t, dev, fd, 0, ContextParam.Bannable, 0);
        var background = new List<Spinner>();
        foreach (EngineId other in EngineIds.All)
        {
            // Every engine gets a background spinner, the target too: it gives the target something to timeslice
            // with, so the non-preemptible hanger behind it gets in, refuses to yield, and is caught by the preempt
            // timeout; the spinner itself is only preempted, and must come out unaffected.
            int ctx = IgtGem.ContextCreate(t, dev, fd);
            IgtGem.SetParam(t, dev, fd, ctx, ContextParam.Bannable, 0);
            background.Add(IgtSpin.New(t, dev, fd, new SpinnerOptions { Context = ctx, Engine = other, FenceOut = true }));
        }
        // And on the target engine, we hang.
        Spinner spin = IgtSpin.New(t, dev, fd, new SpinnerOptions { Engine = target, FenceOut = true, NoPreemption = true, InvalidCs = invalidCs });
        // Wait for the hangcheck to terminate the hanger.
        int hangWait = IgtSync.Wait(spin.OutFence!, IgtTime.Seconds(30));
        int hangStat = IgtSync.Status(spin.OutFence!);
        spin.Dispose();
        // But no other engines/clients should be affected.
        int busy = -Errno.ETIME, end = 0, stat = 1;
        foreach (Spinner bg in background)
        {
            Check(ref busy, IgtSync.Wait(bg.OutFence!, TimeSpan.Zero), -Errno.ETIME);
            bg.End();
            Check(ref end, IgtSync.Wait(bg.OutFence!, IgtTime.Limit(0.5)), 0);
            Check(ref stat, IgtSync.Status(bg.OutFence!), 1);
            bg.Dispose();
        }
        t.AssertF(hangWait == 0, "hanged spinner wait failed");
        t.AssertF(hangStat == -Errno.EIO, "hanged spinner failed");
        t.AssertF(busy == -Errno.ETIME, "background spinner not busy");
        t.AssertF(end == 0, "background spinner not terminated");
        t.AssertF(stat == 1, "background fence not signalled");
        IgtAlive.Check(t, dev);
    }

    private static void Check(ref int dst, int err, int expected)
    {
        if (err != expected)
        {
            dst = err;
        }
    }

    /// <summary>
    /// test_error_state_capture: after a hang the error state names the engine, holds the hung batch's GGTT offset,
    /// and its dump of the batch matches what was submitted.
    /// </summary>
    private static void TestErrorStateCapture((IgtContext T, EngineId Engine) p)
    {
        (IgtContext? t, EngineId e) = p;
        GpuDevice dev = t.Device;
        dev.ClearErrorState();
        Spinner hang = IgtHang.Start(t, dev, t.Fd, 0, e);
        IgtSpin.WaitStarted(t, hang);
        uint offset = hang.Address;
        t.AssertEq(dev.Map(t.Fd, hang.Handle, out BufferMapping? map), 0);
        uint[] batch = new uint[DeviceMemory.PageSize / 4];
        for (int i = 0; i < batch.Length; i++)
        {
            batch[i] = map![i];
        }

        IgtGem.Sync(t, dev, t.Fd, hang.Handle);
        CheckErrorState(t, e.Name(), offset, batch);
        hang.Dispose();
        IgtAlive.Check(t, dev);
    }

    /// <summary>
    /// check_error_state: reads the sysfs error file and clears it by writing to it, then looks for the engine's
    /// "RING --- batch = 0xHI LO" object at the expected offset and compares its decoded (ascii85, zlib) dwords with
    /// the submitted batch. IGT looks for "--- user =" because its batch carries EXEC_OBJECT_CAPTURE; GpuSim has no
    /// capture flag, so the batch vma every hang dumps is the one to check.
    /// </summary>
    private static void CheckErrorState(IgtContext t, string ringName, uint expectedOffset, uint[] batch)
    {
        GpuDevice dev = t.Device;
        t.Debug($"check_error_state(expected ring name={ringName}, expected offset={expectedOffset:x})");
        string error = dev.ReadErrorFile();
        dev.WriteErrorFile("");
        t.Debug(error);
        string[] lines = error.Split('\n');
        bool found = false;
        for (int i = 0; i + 1 < lines.Length && !found; i++)
        {
            int dashes = lines[i].IndexOf(" --- batch = ", StringComparison.Ordinal);
            if (dashes < 0)
            {
                continue;
            }

            // The first batch object in the file is the one checked, as IGT's loop does: it must be the hung
            // engine's, at the offset the batch was placed (a dump of another engine, or of another object, fails).
            t.Assert(lines[i].AsSpan(0, dashes).Contains(ringName, StringComparison.Ordinal));
            string[] words = lines[i][(dashes + " --- batch = ".Length)..].Split(' ');
            ulong offset = (Convert.ToUInt64(words[0], 16) << 32) | Convert.ToUInt32(words[1], 16);
            t.AssertEq((long)offset, expectedOffset);

            uint[] dumped = ErrorObjectCodec.Decode(lines[i + 1]);
            t.AssertEq(dumped.Length, batch.Length);
            for (int j = 0; j < dumped.Length; j++)
            {
                t.AssertEqU32(dumped[j], batch[j]);
            }

            found = true;
        }
        t.Assert(found);
    }
}
