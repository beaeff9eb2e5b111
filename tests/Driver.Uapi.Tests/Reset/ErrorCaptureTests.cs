using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Engines.Isa;
using Driver.Reset.Capture;
using Driver.Reset.Events;
using Driver.Testing.Devices;
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
        uint[] condEnd = Mi.ConditionalBatchBufferEnd(hang.Address + Spinner.ConditionOffset, CompareOp.NotEqual, 0);
        uint[] jump = Mi.BatchBufferStart(hang.Address + Spinner.LoopOffset);
        Assert.True(Contains(engine.BatchDwords, condEnd), "batch dump lacks the spinner's conditional end");
        Assert.True(Contains(engine.BatchDwords, jump), "batch dump lacks the spinner's jump");

        string text = state.ToText();
        Assert.Contains("bcs0", text);
        Assert.Contains(guilty, text);
        Assert.Contains($"{hang.Address:x8}", text);
        Assert.Contains($"{jump[0]:x8} {jump[1]:x8}", text);

        dev.ClearErrorState();
        Assert.Null(dev.ReadErrorState());
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
        Assert.Contains("Fault:", state.ToText());
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
        dev.ForceReset(EngineId.Bcs0.Mask());

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
