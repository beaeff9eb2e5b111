using Driver.Core.Fences;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Isa;

/// <summary>
/// COND_BATCH_BUFFER_END with the hardware meaning: execution continues while memory satisfies the comparison, and
/// the batch ends when it fails (IGT's gen8+ igt_spin loops while its condition dword is greater than BB_END).
/// </summary>
public class ConditionalEndTests
{
    [Theory]
    [InlineData(CompareOp.Greater, 11u, false)]
    [InlineData(CompareOp.Greater, 10u, true)]
    [InlineData(CompareOp.GreaterOrEqual, 10u, false)]
    [InlineData(CompareOp.GreaterOrEqual, 9u, true)]
    [InlineData(CompareOp.Less, 9u, false)]
    [InlineData(CompareOp.Less, 10u, true)]
    [InlineData(CompareOp.LessOrEqual, 10u, false)]
    [InlineData(CompareOp.LessOrEqual, 11u, true)]
    [InlineData(CompareOp.Equal, 10u, false)]
    [InlineData(CompareOp.Equal, 11u, true)]
    [InlineData(CompareOp.NotEqual, 11u, false)]
    [InlineData(CompareOp.NotEqual, 10u, true)]
    public void EndsOrContinues(CompareOp op, uint memory, bool ends)
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer buf = t.NewBuffer();
        buf[0] = memory;
        DmaFence f = t.Submit(new BatchBuilder()
            .StoreDword(buf.At(1), 1)
            .ConditionalEnd(buf.At(0), op, 10)
            .StoreDword(buf.At(2), 2)
            .End());
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        Assert.Equal(1u, buf[1]);
        Assert.Equal(ends ? 0u : 2u, buf[2]);
    }
}
