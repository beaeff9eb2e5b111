using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Isa;

/// <summary>BATCH_BUFFER_START: forward jumps skip code, jumps chain into other objects, a self-jump spins.</summary>
public class BatchBufferStartTests
{
    [Fact]
    public void ForwardJumpSkipsCode()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        TestBuffer batch = t.NewBuffer();
        batch.Write(new BatchBuilder()
            .Jump(batch.Address + 20)             // bytes 0..7
            .StoreDword(target.At(0), 1)          // bytes 8..19: skipped
            .StoreDword(target.At(1), 2)          // byte 20: jump target
            .End());
        DmaFence f = t.Submit(batch);
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        Assert.Equal(0u, target[0]);
        Assert.Equal(2u, target[1]);
    }

    [Fact]
    public void JumpChainsIntoAnotherObject()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        TestBuffer second = t.NewBuffer();
        second.Write(new BatchBuilder().StoreDword(target.At(3), 3).End());
        TestBuffer first = t.NewBuffer();
        first.Write(new BatchBuilder().StoreDword(target.At(2), 2).Jump(second.Address).StoreDword(target.At(4), 4).End());
        DmaFence f = t.Submit(first, EngineId.Rcs0, 0, null, second, target);
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        Assert.Equal(2u, target[2]);
        Assert.Equal(3u, target[3]);
        Assert.Equal(0u, target[4]);
    }

    [Fact]
    public void SelfJumpSpinsUntilTheCpuOverwritesIt()
    {
        // No arbitration point in this loop: with the heartbeat on it would be reset as a hang.
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        TestBuffer batch = t.NewBuffer();
        batch.Write(new BatchBuilder().StoreDword(target.At(0), 1).Jump(batch.Address + 12).StoreDword(target.At(1), 2).End());
        DmaFence f = t.Submit(batch, EngineId.Bcs0, 0, null, target);
        Poll.Until(() => t.Engine(EngineId.Bcs0).Head == batch.Address + 12, "engine never reached the loop");
        Assert.Equal(1u, target[0]);
        Assert.False(f.IsSignaled);
        batch[3] = Mi.BatchBufferEnd;
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        Assert.Equal(0u, target[1]);
        Assert.Equal(0, t.Dev.Reset.TotalEngineResets);
    }

    [Fact]
    public void LoopWithArbitrationPointSurvivesHeartbeatsUntilEnded()
    {
        using var t = TestDevice.StarvationTolerant();
        TestBuffer batch = t.NewBuffer();
        // loop: ARB_CHECK; jump loop — preemptible, so the heartbeat never resets it.
        batch.Write(new BatchBuilder().ArbCheck().Jump(batch.Address));
        DmaFence f = t.Submit(batch);
        long pulses = t.Dev.Heartbeat.Pulses;
        // A second pulse is only sent once the first was taken: the loop yielded to it at its ARB_CHECK.
        Poll.Until(() => t.Dev.Heartbeat.Pulses >= pulses + 2, "the loop never yielded to a pulse");
        Assert.False(f.IsSignaled);
        batch[0] = Mi.BatchBufferEnd;
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        Assert.Equal(0, t.Dev.Reset.TotalEngineResets);
    }
}
