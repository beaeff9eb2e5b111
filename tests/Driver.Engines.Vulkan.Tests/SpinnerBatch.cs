using Driver.Engines.Isa;

namespace Driver.Engines.Vulkan.Tests;

/// <summary>An igt_spin-like batch in its own object: "started" store, then a loop that a conditional end or a rewritten head ends.</summary>
internal sealed class SpinnerBatch
{
    public const uint LoopOffset = 0x00C;
    public const uint PollOffset = 0xF00;
    public const uint ConditionOffset = 0xF04;

    private readonly VulkanTestRig _rig;

    public SpinnerBatch(VulkanTestRig rig, bool withConditionalEnd = true)
    {
        _rig = rig;
        (Core.Memory.BufferObject? bo, uint addr) = rig.Object();
        Address = addr;
        BatchBuilder b = new BatchBuilder().StoreDword(addr + PollOffset, 1).Noop().ArbCheck();
        if (withConditionalEnd)
        {
            b.ConditionalEnd(addr + ConditionOffset, CompareOp.Equal, 0);
        }

        b.Jump(addr + LoopOffset);
        uint[] dwords = b.ToArray();
        for (int i = 0; i < dwords.Length; i++)
        {
            bo.WriteDword(i * 4, dwords[i]);
        }
    }

    public uint Address { get; }

    public bool IsStarted => _rig.Read(Address + PollOffset) != 0;

    /// <summary>igt_spin_end: BATCH_BUFFER_END at the loop head.</summary>
    public void EndAtHead() => _rig.Write(Address + LoopOffset, Mi.BatchBufferEnd);

    /// <summary>Sets the conditional end's condition.</summary>
    public void EndByCondition() => _rig.Write(Address + ConditionOffset, 1);
}
