namespace Driver.Engines.Isa;

/// <summary>
/// The operand layout of one instruction header, decoded once for every decoder (the command streamer, the Vulkan
/// translator): its size, where its address and its data dword are, whether the address is 64-bit (the gen8+ forms,
/// told from GpuSim's short forms by the length field), or why the header is invalid.
/// </summary>
/// <param name="Dwords">Instruction size in dwords.</param>
/// <param name="AddressAt">Dword index of the address (its low dword), or 0 when none.</param>
/// <param name="Wide">Whether the address has a high dword after the low one.</param>
/// <param name="DataAt">Dword index of the data (the store's value, the compare data, WORK's nanoseconds), or 0.</param>
/// <param name="Error">Why the header is an invalid instruction, or null.</param>
public readonly record struct MiForm(uint Dwords, int AddressAt, bool Wide, int DataAt, string? Error)
{
    // Bits 22:8 of the header: flags, which each form allows only some of (the rest must be zero).
    private const uint FlagBits = 0x007FFF00;
    private const uint CompareOpBits = 0x7u << 12;

    /// <summary>
    /// Whether a store writes a qword: the data dword at <see cref="DataAt"/> to the address and the one after it to
    /// the address + 4 (MI_STORE_DWORD_IMM's Store Qword).
    /// </summary>
    public bool Qword { get; init; }

    /// <summary>Whether the header decoded to a valid form.</summary>
    public bool IsValid => Error is null;

    /// <summary>
    /// Decodes the header of a multi-dword instruction (STORE_DWORD_IMM, SEMAPHORE_WAIT, COND_BATCH_BUFFER_END,
    /// BATCH_BUFFER_START, WORK); single-dword instructions are checked by their decoders.
    /// </summary>
    public static MiForm Decode(uint header)
    {
        uint length = Mi.Length(header);
        uint flags = header & FlagBits;
        switch (Mi.Opcode(header))
        {
            case MiOpcode.StoreDwordImm:
                return length switch
                {
                    1 when flags == 0 => new MiForm(3, 1, false, 2, null),
                    // gen8+ (MI_STORE_DWORD_IMM_GEN4 as IGT emits it on gen12): bit 22 selects the GGTT, one space here.
                    2 when (flags & ~Mi.UseGgtt) == 0 => new MiForm(4, 1, true, 3, null),
                    // gen8+ "Store Qword" (bit 21) with length 3: two data dwords (IGT's gem_softpin stores offsets so).
                    3 when (flags & ~(Mi.UseGgtt | Mi.StoreQword)) == 0 && (flags & Mi.StoreQword) != 0 => new MiForm(5, 1, true, 3, null) { Qword = true },
                    _ => Invalid("STORE_DWORD_IMM: length must be 1 (GpuSim), 2 (gen8+, 64-bit address) or 3 with the qword bit (gen8+), no stray bits"),
                };

            case MiOpcode.SemaphoreWait:
                {
                    if ((uint)Mi.Compare(header) > (uint)CompareOp.NotEqual)
                    {
                        return Invalid("compare instruction with an undefined compare op");
                    }

                    return length switch
                    {
                        1 when (flags & ~CompareOpBits) == 0 => new MiForm(3, 2, false, 1, null),
                        // gen8+: poll (bit 15) and GGTT (bit 22) allowed; without poll (signal mode) it is polled too.
                        2 when (flags & ~(CompareOpBits | Mi.SemaphorePoll | Mi.UseGgtt)) == 0 => new MiForm(4, 2, true, 1, null),
                        _ => Invalid("SEMAPHORE_WAIT: length must be 1 (GpuSim) or 2 (gen8+), no stray bits"),
                    };
                }

            case MiOpcode.ConditionalBatchBufferEnd:
                {
                    if ((uint)Mi.Compare(header) > (uint)CompareOp.NotEqual)
                    {
                        return Invalid("compare instruction with an undefined compare op");
                    }

                    return length switch
                    {
                        1 when (flags & ~CompareOpBits) == 0 => new MiForm(3, 2, false, 1, null),
                        // gen8+: the compare bit (21) must be set; without it the hardware's meaning is not modelled.
                        2 when (flags & ~(CompareOpBits | Mi.DoCompare)) == 0 && (flags & Mi.DoCompare) != 0 => new MiForm(4, 2, true, 1, null),
                        _ => Invalid("COND_BATCH_BUFFER_END: length must be 1 (GpuSim) or 2 with the compare bit (gen8+), no stray bits"),
                    };
                }

            case MiOpcode.BatchBufferStart:
                return length switch
                {
                    0 when (flags & ~Mi.AddressSpacePpgtt) == 0 => new MiForm(2, 1, false, 0, null),
                    1 when (flags & ~Mi.AddressSpacePpgtt) == 0 => new MiForm(3, 1, true, 0, null),
                    _ => Invalid("BATCH_BUFFER_START: length must be 0 (GpuSim) or 1 (gen8+), only bit 8 set"),
                };

            case MiOpcode.Work:
                return length == 0 && flags == 0 ? new MiForm(2, 0, false, 1, null) : Invalid("WORK length must be 0");

            default:
                return Invalid($"unknown opcode 0x{Mi.Opcode(header):x}");
        }
    }

    private static MiForm Invalid(string why) => new(1, 0, false, 0, why);
}
