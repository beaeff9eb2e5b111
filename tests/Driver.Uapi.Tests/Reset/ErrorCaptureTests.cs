using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Isa;
using Driver.Reset.Capture;
using Driver.Reset.Events;
using Driver.Testing.Devices;
using Driver.Testing.Gt;
using static Driver.Uapi.Tests.Reset.ResetKit;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// Error capture and notifications (i915_hangman@error-state-basic, *-error-state-capture, @detector): what a hang's
/// error state holds, clearing it, exactly one Error and one EngineReset event per hang, no capture when disabled.
/// </summary>
[Collection(ResetCollection.Name)]
public sealed class ErrorCaptureTests
{
    [Fact]
    public void HangCaptureHoldsEngineContextBatchAddressAndSpinnerInstructions()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        int ctx = CreateContext(dev, c);
        int[] counts = new int[Enum.GetValues<GpuEventKind>().Length];
        using IDisposable subscription = dev.Reset.Events.Subscribe(e => Interlocked.Increment(ref counts[(int)e.Kind]));
        Assert.Null(dev.ReadErrorState());

        using Spinner hang = StartSpinner(dev, c, new SpinnerOptions { Context = ctx, Engine = EngineId.Bcs0, NoPreemption = true });
        AssertStatus(-Errno.EIO, hang.Fence, "hung spinner");
        WaitRecoveryIdle(dev);

        Assert.Equal(1, counts[(int)GpuEventKind.Error]);
        Assert.Equal(1, counts[(int)GpuEventKind.EngineReset]);
        Assert.Equal(0, counts[(int)GpuEventKind.FullReset]);
        GpuErrorState? state = dev.ReadErrorState();
        Assert.NotNull(state);
        string guilty = dev.Clients.Single(x => x.Id == c).GetContext(ctx).ToString();
        Assert.Equal(guilty, state.GuiltyContext);
        Assert.Equal(EngineId.Bcs0.Mask(), state.EngineMask);
        EngineErrorState engine = Assert.Single(state.Engines);
        Assert.Equal("bcs0", engine.Engine);
        Assert.NotNull(engine.Active);
        Assert.Equal(guilty, engine.Active.Context);
        Assert.Equal(hang.Address, engine.Active.BatchAddress);
        Assert.Equal(hang.Address, engine.BatchAddress);
        Assert.InRange(engine.Head, hang.Address, hang.Address + Spinner.PollOffset);
        // The dump covers the spinner's loop: its conditional end and the jump back.
        uint[] condEnd = Mi.ConditionalBatchBufferEnd(hang.Address + Spinner.ConditionOffset, CompareOp.Equal, 0);
        uint[] jump = Mi.BatchBufferStart(hang.Address + Spinner.LoopOffset);
        Assert.True(Contains(engine.BatchDwords, condEnd), "batch dump lacks the spinner's conditional end");
        Assert.True(Contains(engine.BatchDwords, jump), "batch dump lacks the spinner's jump");

        // The sysfs error file prints it as i915_gpu_error.c does (error_print_engine, intel_gpu_error_print_vma).
        string[] lines = dev.ReadErrorFile().Split('\n');
        Assert.StartsWith("GPU HANG: ecode 9:2:", lines[0]); // bit 1: the copy class hung
        Assert.Contains("PCI ID: 0x1912", lines);
        Assert.Contains("bcs0 command stream:", lines);
        Assert.Contains($"  ACTHD: 0x00000000 {engine.Head:x8}", lines);
        Assert.Contains(lines, l => l.StartsWith($"  Active context: {dev.Clients.Single(x => x.Id == c).Name}[{c}] ", StringComparison.Ordinal));
        int vma = Array.IndexOf(lines, $"bcs0 --- batch = 0x00000000 {hang.Address:x8}");
        Assert.True(vma > 0, "no batch vma line");
        uint[] dumped = ErrorObjectCodec.Decode(lines[vma + 1]);
        Assert.True(Contains(dumped, jump), "the printed batch lacks the spinner's jump");

        Assert.Equal(5, dev.WriteErrorFile("clear"));
        Assert.Null(dev.ReadErrorState());
        Assert.Equal("No error state collected\n", dev.ReadErrorFile());
    }

    /// <summary>
    /// i915_error_state_store keeps only the first error (first_error is set by cmpxchg from NULL); a second hang
    /// is captured and counted but not kept until the error file is written (i915_reset_error_state), after which
    /// the next hang's state is kept.
    /// </summary>
    [Fact]
    public void OnlyTheFirstHangIsKeptUntilTheErrorFileIsWritten()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        using (Spinner first = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Rcs0, NoPreemption = true }))
        {
            AssertStatus(-Errno.EIO, first.Fence, "first hang");
        }

        WaitRecoveryIdle(dev);
        using (Spinner second = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Bcs0, NoPreemption = true }))
        {
            AssertStatus(-Errno.EIO, second.Fence, "second hang");
        }

        WaitRecoveryIdle(dev);
        Assert.Equal(2, dev.Reset.ErrorStates.TotalCaptured);
        Assert.Equal("rcs0", Assert.Single(dev.ReadErrorState()!.Engines).Engine);
        Assert.Contains("rcs0 command stream:", dev.ReadErrorFile());

        dev.WriteErrorFile("");
        using (Spinner third = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Vcs0, NoPreemption = true }))
        {
            AssertStatus(-Errno.EIO, third.Fence, "third hang");
        }

        WaitRecoveryIdle(dev);
        Assert.Equal("vcs0", Assert.Single(dev.ReadErrorState()!.Engines).Engine);
    }

    /// <summary>
    /// A hang of a NO_ERROR_CAPTURE request is not kept: record_context returns the context's no_error_capture as
    /// "simulated", gt_record_engines ORs it into the dump, and i915_error_state_store stores no simulated dump. The
    /// error file stays "No error state collected" and first_error stays free for the next real hang (IGT's
    /// igt_hang sets NO_ERROR_CAPTURE on every hang it injects precisely so that those do not fill the error file).
    /// </summary>
    [Fact]
    public void NoCaptureHangLeavesTheErrorFileClearForTheNextHang()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        TestBuffer loop = t.NewBuffer();
        loop.Write(new BatchBuilder().Jump(loop.Address));
        Assert.Equal(0, dev.Execbuf(new ExecbufArgs
        {
            Client = t.Client,
            Engine = (int)EngineId.Rcs0,
            BatchHandle = loop.Handle,
            Flags = ExecFlags.NoCapture,
        }, out DmaFence? hang));
        AssertStatus(-Errno.EIO, hang!, "NO_ERROR_CAPTURE hang");
        WaitRecoveryIdle(dev);

        Assert.Null(dev.ReadErrorState());
        Assert.Equal(GpuErrorState.NoErrorState, dev.ReadErrorFile());

        using (Spinner next = StartSpinner(dev, t.Client, new SpinnerOptions { Engine = EngineId.Bcs0, NoPreemption = true }))
        {
            AssertStatus(-Errno.EIO, next.Fence, "capturable hang");
        }

        WaitRecoveryIdle(dev);
        Assert.Equal("bcs0", Assert.Single(dev.ReadErrorState()!.Engines).Engine);
    }

    [Fact]
    public void FaultCaptureNamesTheFaultingInstruction()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        using var spin = Spinner.Start(dev, c, new SpinnerOptions { Engine = EngineId.Vcs0, InvalidCs = true });
        AssertStatus(-Errno.EIO, spin.Fence, "faulting spinner");
        WaitRecoveryIdle(dev);

        GpuErrorState? state = dev.ReadErrorState();
        Assert.NotNull(state);
        EngineErrorState engine = Assert.Single(state.Engines);
        Assert.Equal("vcs0", engine.Engine);
        Assert.NotNull(engine.Fault);
        Assert.Contains($"0x{Spinner.InvalidInstruction:x8}", engine.Fault);
        Assert.Contains(Spinner.InvalidInstruction, engine.BatchDwords);
        // ESR bit 0 (I915_ERROR_INSTRUCTION) and IPEHR holding the bad header; the ecode is IPEHR ^ INSTDONE.
        string text = state.ToText();
        Assert.Contains("  ESR:   0x00000001\n", text);
        Assert.Contains($"  IPEHR: 0x{Spinner.InvalidInstruction:x8}\n", text);
        Assert.StartsWith($"GPU HANG: ecode 9:4:{Spinner.InvalidInstruction ^ 0xffffffffu:x8}", text);
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.Error));
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.EngineReset));
    }

    [Fact]
    public void NothingIsCapturedWhenCaptureIsDisabled()
    {
        using var t = TestDevice.Fast(reset: r => r with { CaptureErrorState = false });
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        using Spinner hang = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Rcs0, NoPreemption = true });
        AssertStatus(-Errno.EIO, hang.Fence, "hung spinner");
        WaitRecoveryIdle(dev);
        // Kept awake, or the forced reset of an idle engine would do nothing (intel_engine_pm_get_if_awake).
        using (dev.Gt[EngineId.Bcs0].HoldAwake())
        {
            dev.ForceReset(EngineId.Bcs0.Mask());
        }

        Assert.Null(dev.ReadErrorState());
        Assert.Equal(0, dev.Reset.ErrorStates.TotalCaptured);
        Assert.Equal(2, dev.Reset.Events.Count(GpuEventKind.Error));
        Assert.Equal(2, dev.Reset.EngineResetCount(EngineClass.Render) + dev.Reset.EngineResetCount(EngineClass.Copy));
    }

    private static bool Contains(IReadOnlyList<uint> haystack, uint[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Count; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }

            if (j == needle.Length)
            {
                return true;
            }
        }
        return false;
    }
}
