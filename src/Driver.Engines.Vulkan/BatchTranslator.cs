using Driver.Core.Errors;
using Driver.Core.Memory;
using Driver.Engines.Isa;

namespace Driver.Engines.Vulkan;

/// <summary>
/// Translates a batch into Vulkan dispatches. It fetches the batch through the GGTT exactly as the command
/// streamer does (same decoding, same fault checks, forward jumps followed) until BATCH_BUFFER_END or a backward
/// jump, then emits: runs of STORE_DWORD_IMM → one store dispatch; SEMAPHORE_WAIT → a spin that continues when its
/// compare holds; COND_BATCH_BUFFER_END → a one-shot check that ends the batch; WORK(ns) → a busy dispatch; a
/// backward jump → a spin loop that exits on the loop's COND_BATCH_BUFFER_ENDs or on its head dword changing (how
/// igt_spin_end ends a spinner). NOOP and ARB_CHECK need no dispatch.
/// </summary>
/// <remarks>
/// What the command streamer would fault on (unknown opcode, bad length, unmapped fetch or operand) fails with EIO;
/// valid ISA with no translation (register and MI_MATH instructions, a predicated jump; anything but NOOP, ARB_CHECK, COND_BATCH_BUFFER_END and forward jumps inside a
/// loop; a jump back to a non-instruction; a batch beyond the arena) fails with EINVAL.
/// </remarks>
internal static class BatchTranslator
{
    /// <summary>Most instructions decoded for one batch.</summary>
    public const int MaxInstructions = 4096;

    /// <summary>Translates the batch at <paramref name="start"/>. Throws <see cref="BatchTranslationException"/>.</summary>
    public static VulkanProgram Translate(Ggtt ggtt, uint start)
    {
        var insns = new List<Insn>();
        uint ip = start;
        uint? loopTarget = null;
        uint jumpAddress = 0;
        bool ended = false;
        while (!ended)
        {
            if (insns.Count >= MaxInstructions)
            {
                throw Inval(ip, $"batch longer than {MaxInstructions} instructions");
            }

            if (!ggtt.TryRead(ip, out uint cmd))
            {
                throw Fault(ip, "instruction fetch from an unmapped address");
            }

            switch (Mi.Opcode(cmd))
            {
                case MiOpcode.Noop:
                    insns.Add(new Insn(InsnKind.Noop, ip));
                    ip += 4;
                    break;
                case MiOpcode.BatchBufferEnd:
                    if (cmd != Mi.BatchBufferEnd)
                    {
                        throw Fault(ip, "BATCH_BUFFER_END with stray bits");
                    }

                    ended = true;
                    break;
                case MiOpcode.ArbCheck:
                    if (cmd != Mi.ArbCheck)
                    {
                        throw Fault(ip, "ARB_CHECK with stray bits");
                    }

                    insns.Add(new Insn(InsnKind.ArbCheck, ip));
                    ip += 4;
                    break;
                case MiOpcode.StoreDwordImm:
                    {
                        (MiForm form, uint address, uint value) = Operands(ggtt, ip, cmd);
                        if (!ggtt.TryRead(address, out _))
                        {
                            throw Fault(ip, $"store to unmapped 0x{address:x8}");
                        }

                        insns.Add(new Insn(InsnKind.Store, ip, address, value));
                        if (form.Qword)
                        {
                            // Store Qword: the dword after the data goes to the next address, as a second store.
                            if (!ggtt.TryRead(ip + (uint)(form.DataAt + 1) * 4, out uint high))
                            {
                                throw Fault(ip, "instruction operands unmapped");
                            }

                            if (!ggtt.TryRead(address + 4, out _))
                            {
                                throw Fault(ip, $"store to unmapped 0x{address + 4:x8}");
                            }

                            insns.Add(new Insn(InsnKind.Store, ip, address + 4, high));
                        }

                        ip += form.Dwords * 4;
                        break;
                    }
                case MiOpcode.SemaphoreWait:
                case MiOpcode.ConditionalBatchBufferEnd:
                    {
                        bool semaphore = Mi.Opcode(cmd) == MiOpcode.SemaphoreWait;
                        (MiForm form, uint address, uint data) = Operands(ggtt, ip, cmd);
                        if (!ggtt.TryRead(address, out _))
                        {
                            throw Fault(ip, semaphore ? $"semaphore poll of unmapped 0x{address:x8}" : $"conditional end reads unmapped 0x{address:x8}");
                        }

                        // The kernels end a conditional end when its condition holds; the instruction's comparison
                        // says "continue" (the hardware meaning), so the condition is its negation.
                        CompareOp op = semaphore ? Mi.Compare(cmd) : Mi.Negate(Mi.Compare(cmd));
                        insns.Add(new Insn(semaphore ? InsnKind.Semaphore : InsnKind.ConditionalEnd, ip, address, data, op));
                        ip += form.Dwords * 4;
                        break;
                    }
                case MiOpcode.BatchBufferStart:
                    {
                        // Predication (gen8+ form, as the command streamer decodes it) needs MI_PREDICATE_RESULT_1, a
                        // register: valid ISA with no translation, not a fault.
                        if ((cmd & Mi.BatchPredicate) != 0 && (cmd & 0xff) == 1)
                        {
                            throw Inval(ip, "predicated BATCH_BUFFER_START has no Vulkan translation (registers are not modelled)");
                        }

                        (_, uint target, _) = Operands(ggtt, ip, cmd);

                        if (target > ip)
                        {
                            // Forward: the dwords jumped over are never fetched.
                            insns.Add(new Insn(InsnKind.ForwardJump, ip));
                            ip = target;
                            break;
                        }
                        loopTarget = target;
                        jumpAddress = ip;
                        ended = true;
                        break;
                    }
                case MiOpcode.Work:
                    {
                        (_, _, uint ns) = Operands(ggtt, ip, cmd);

                        insns.Add(new Insn(InsnKind.Work, ip, 0, ns));
                        ip += 8;
                        break;
                    }
                case MiOpcode.LoadRegisterImm:
                case MiOpcode.LoadRegisterReg:
                case MiOpcode.LoadRegisterMem:
                case MiOpcode.StoreRegisterMem:
                case MiOpcode.Math:
                    // Executed by the command streamer, so not a fault (a fault is a guilty hang): the backend's limit.
                    throw Inval(ip, $"opcode 0x{Mi.Opcode(cmd):x} (register or MI_MATH instruction) has no Vulkan translation (registers are not modelled)");
                default:
                    throw Fault(ip, $"unknown opcode 0x{Mi.Opcode(cmd):x}");
            }
        }
        return Build(ggtt, insns, loopTarget, jumpAddress);
    }

    private static VulkanProgram Build(Ggtt ggtt, List<Insn> insns, uint? loopTarget, uint jumpAddress)
    {
        var program = new VulkanProgram { Instructions = insns.Count + 1 };
        int loopStart = insns.Count;
        if (loopTarget is { } target && target != jumpAddress)
        {
            // Addresses only grow along the executed path (jumps taken so far all went forward), so the target, if it
            // is an instruction of this path, is unique.
            loopStart = insns.FindIndex(i => i.Address == target);
            if (loopStart < 0)
            {
                throw Inval(jumpAddress, $"backward jump to 0x{target:x8}, which is not an instruction this batch executed");
            }

            for (int k = loopStart; k < insns.Count; k++)
            {
                if (insns[k].Kind is not (InsnKind.Noop or InsnKind.ArbCheck or InsnKind.ConditionalEnd or InsnKind.ForwardJump))
                {
                    throw Inval(insns[k].Address, $"{insns[k].Kind} inside a spin loop has no Vulkan translation (a loop body may hold only NOOP, ARB_CHECK, COND_BATCH_BUFFER_END and forward jumps)");
                }
            }
        }
        for (int k = 0; k < loopStart; k++)
        {
            EmitStraight(program, insns[k]);
        }

        if (loopTarget is { } head)
        {
            EmitLoop(ggtt, program, insns, loopStart, head, jumpAddress);
        }

        if (program.Stores.Count > ArenaLayout.MaxStores)
        {
            throw Inval(jumpAddress, $"more than {ArenaLayout.MaxStores} stores");
        }

        if (program.Conditions.Count > ArenaLayout.MaxConditions)
        {
            throw Inval(jumpAddress, $"more than {ArenaLayout.MaxConditions} waits and conditional ends");
        }

        if (program.SlotAddresses.Count > ArenaLayout.MaxSlots)
        {
            throw Inval(jumpAddress, $"more than {ArenaLayout.MaxSlots} distinct addresses");
        }

        return program;
    }

    private static void EmitStraight(VulkanProgram program, Insn insn)
    {
        switch (insn.Kind)
        {
            case InsnKind.Store:
                {
                    program.Stores.Add(new VulkanStore(program.SlotFor(insn.Operand), insn.Operand, insn.Data));
                    int last = program.Ops.Count - 1;
                    if (last >= 0 && program.Ops[last] is { Kind: VulkanOpKind.Store } run && run.First + run.Count == program.Stores.Count - 1)
                    {
                        program.Ops[last] = run with { Count = run.Count + 1 };
                    }
                    else
                    {
                        program.Ops.Add(new VulkanOp(VulkanOpKind.Store, program.Stores.Count - 1, 1));
                    }

                    break;
                }
            case InsnKind.Semaphore:
            case InsnKind.ConditionalEnd:
                {
                    bool semaphore = insn.Kind == InsnKind.Semaphore;
                    program.Conditions.Add(new VulkanCondition(program.SlotFor(insn.Operand), insn.Operand, insn.Op, insn.Data,
                        semaphore ? ConditionKind.Semaphore : ConditionKind.ConditionalEnd));
                    program.Ops.Add(new VulkanOp(VulkanOpKind.Spin, program.Conditions.Count - 1, 1,
                        semaphore ? SpinMode.Semaphore : SpinMode.ConditionalEnd));
                    break;
                }
            case InsnKind.Work:
                program.Ops.Add(new VulkanOp(VulkanOpKind.Work, 0, 0, Nanoseconds: insn.Data));
                break;
        }
    }

    private static void EmitLoop(Ggtt ggtt, VulkanProgram program, List<Insn> insns, int loopStart, uint head, uint jumpAddress)
    {
        int first = program.Conditions.Count;
        for (int k = loopStart; k < insns.Count; k++)
        {
            if (insns[k].Kind == InsnKind.ConditionalEnd)
            {
                program.Conditions.Add(new VulkanCondition(program.SlotFor(insns[k].Operand), insns[k].Operand, insns[k].Op, insns[k].Data, ConditionKind.ConditionalEnd));
            }
        }
        // The loop also ends when its head dword is rewritten (igt_spin_end puts BATCH_BUFFER_END there).
        if (!ggtt.TryRead(head, out uint original))
        {
            throw Fault(jumpAddress, $"jump to unmapped 0x{head:x8}");
        }

        program.Conditions.Add(new VulkanCondition(program.SlotFor(head), head, CompareOp.NotEqual, original, ConditionKind.LoopHead));
        program.Ops.Add(new VulkanOp(VulkanOpKind.Spin, first, program.Conditions.Count - first, SpinMode.Loop));
    }

    /// <summary>The header's form and its address and data operands, as the command streamer decodes them; throws its faults.</summary>
    private static (MiForm Form, uint Address, uint Data) Operands(Ggtt ggtt, uint ip, uint cmd)
    {
        var form = MiForm.Decode(cmd);
        if (form.Error is { } error)
        {
            throw Fault(ip, error);
        }

        uint address = 0, high = 0, data = 0;
        if ((form.AddressAt != 0 && !ggtt.TryRead(ip + (uint)form.AddressAt * 4, out address))
            || (form.Wide && !ggtt.TryRead(ip + (uint)form.AddressAt * 4 + 4, out high))
            || (form.DataAt != 0 && !ggtt.TryRead(ip + (uint)form.DataAt * 4, out data)))
        {
            throw Fault(ip, "instruction operands unmapped");
        }

        if (high != 0)
        {
            throw Fault(ip, $"address 0x{high:x8}{address:x8} is beyond the 4 GiB GGTT");
        }

        return (form, address, data);
    }

    private static BatchTranslationException Fault(uint ip, string reason) => new(Errno.EIO, ip, reason);

    private static BatchTranslationException Inval(uint ip, string reason) => new(Errno.EINVAL, ip, reason);

    private enum InsnKind { Noop, ArbCheck, Store, Semaphore, ConditionalEnd, ForwardJump, Work }

    /// <summary>A decoded instruction: <see cref="Operand"/> is the memory address, <see cref="Data"/> the value, compare data or ns.</summary>
    private readonly record struct Insn(InsnKind Kind, uint Address, uint Operand = 0, uint Data = 0, CompareOp Op = CompareOp.Greater);
}
