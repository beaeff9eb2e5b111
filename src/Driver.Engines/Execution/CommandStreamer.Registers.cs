using System.Runtime.CompilerServices;
using Driver.Core.Contexts;
using Driver.Core.Requests;
using Driver.Engines.Isa;

namespace Driver.Engines.Execution;

/// <summary>
/// The register commands (MI_LOAD_REGISTER_IMM/REG/MEM, MI_STORE_REGISTER_MEM, MI_MATH) and predication, over the
/// context's <see cref="CsRegisters"/>. Kept out of the dispatch loop: a batch that uses none of them never looks its
/// context's registers up. Header flags the hardware defines but GpuSim does not model (byte write disables, the
/// SRM predicate enable) make the command an invalid instruction rather than silently change its meaning.
/// </summary>
public sealed partial class CommandStreamer
{
    // Header bits 22:8: the flags field of the MI commands.
    private const uint FlagBits = 0x007F_FF00;
    // MMIO remap enable (bit 17): remaps render-class offsets for the compute engines; one register file here.
    private const uint MmioRemap = 1u << 17;
    // LRI force posted (bit 12): no ordering difference in a sequential command streamer.
    private const uint ForcePosted = 1u << 12;
    // LRM async mode (bit 21): likewise only ordering.
    private const uint LrmAsync = 1u << 21;

    // The LRC register state of each context on this engine, created on its first register command and gone with
    // the context. Touched only by this engine's thread (the command streamer's), so a context switch is a lookup.
    private readonly ConditionalWeakTable<GpuContext, CsRegisters> _images = new();

    /// <summary>The context image's registers of <paramref name="context"/> on this engine (tests and error capture).</summary>
    public CsRegisters RegistersOf(GpuContext context) => _images.GetValue(context, static _ => new CsRegisters());

    /// <summary>The register's offset from this engine's mmio_base: with CS MMIO (bit 19/18) only bits 11:2 count.</summary>
    private uint Offset(uint register, bool csMmio) => csMmio ? register & 0xFFC : (register & 0x7F_FFFC) - _mmioBase;

    /// <summary>Whether a predicated MI_BATCH_BUFFER_START jumps: bit 0 of MI_PREDICATE_RESULT_1.</summary>
    private bool PredicateSet(Request rq) => (RegistersOf(rq.Context).PredicateResult1 & 1) != 0;

    /// <summary>MI_LOAD_REGISTER_IMM: (length + 1) / 2 register/value pairs. False with the fault taken.</summary>
    private bool LoadRegisterImm(Request rq, uint ip, uint cmd, out uint dwords)
    {
        uint length = Mi.Length(cmd);
        dwords = length + 2;
        if ((length & 1) == 0 || (cmd & FlagBits & ~(Mi.CsMmio | MmioRemap | ForcePosted)) != 0)
        {
            Fault(FaultKind.InvalidInstruction, rq, ip, cmd, "LOAD_REGISTER_IMM: length must be 2n-1, flags only 19, 17, 12");
            return false;
        }

        CsRegisters regs = RegistersOf(rq.Context);
        bool csMmio = (cmd & Mi.CsMmio) != 0;
        for (uint i = 1; i < dwords; i += 2)
        {
            if (!_ggtt.TryRead(ip + (i * 4), out uint register) || !_ggtt.TryRead(ip + (i * 4) + 4, out uint value))
            {
                Fault(FaultKind.PageFault, rq, ip, cmd, "instruction operands unmapped");
                return false;
            }

            regs.Write(Offset(register, csMmio), value);
        }

        return true;
    }

    /// <summary>MI_LOAD_REGISTER_REG: 3 dwords (header, source, destination). False with the fault taken.</summary>
    private bool LoadRegisterReg(Request rq, uint ip, uint cmd)
    {
        if (Mi.Length(cmd) != 1 || (cmd & FlagBits & ~(Mi.CsMmio | Mi.LrrSourceCsMmio)) != 0)
        {
            Fault(FaultKind.InvalidInstruction, rq, ip, cmd, "LOAD_REGISTER_REG: length must be 1, flags only 19, 18");
            return false;
        }

        if (!_ggtt.TryRead(ip + 4, out uint source) || !_ggtt.TryRead(ip + 8, out uint destination))
        {
            Fault(FaultKind.PageFault, rq, ip, cmd, "instruction operands unmapped");
            return false;
        }

        CsRegisters regs = RegistersOf(rq.Context);
        regs.Write(Offset(destination, (cmd & Mi.CsMmio) != 0), regs.Read(Offset(source, (cmd & Mi.LrrSourceCsMmio) != 0)));
        return true;
    }

    /// <summary>
    /// MI_LOAD_REGISTER_MEM / MI_STORE_REGISTER_MEM, gen8+ forms: 4 dwords (header, register, address low, high).
    /// The address is a dword in GpuSim's one 4 GiB space (bit 22, "use GGTT", selects nothing else). False with the
    /// fault taken.
    /// </summary>
    private bool RegisterMem(Request rq, uint ip, uint cmd, bool load)
    {
        uint allowed = Mi.UseGgtt | Mi.CsMmio | MmioRemap | (load ? LrmAsync : 0);
        if (Mi.Length(cmd) != 2 || (cmd & FlagBits & ~allowed) != 0)
        {
            Fault(FaultKind.InvalidInstruction, rq, ip, cmd, load
                ? "LOAD_REGISTER_MEM: length must be 2 (gen8+), flags only 22, 21, 19, 17"
                : "STORE_REGISTER_MEM: length must be 2 (gen8+), flags only 22, 19, 17");
            return false;
        }

        if (!_ggtt.TryRead(ip + 4, out uint register) || !_ggtt.TryRead(ip + 8, out uint address) || !_ggtt.TryRead(ip + 12, out uint high))
        {
            Fault(FaultKind.PageFault, rq, ip, cmd, "instruction operands unmapped");
            return false;
        }

        if (high != 0)
        {
            Fault(FaultKind.PageFault, rq, ip, cmd, $"address 0x{high:x8}{address:x8} is beyond the 4 GiB GGTT");
            return false;
        }

        CsRegisters regs = RegistersOf(rq.Context);
        uint offset = Offset(register, (cmd & Mi.CsMmio) != 0);
        if (load)
        {
            if (!_ggtt.TryRead(address, out uint value))
            {
                Fault(FaultKind.PageFault, rq, ip, cmd, $"register load from unmapped 0x{address:x8}");
                return false;
            }

            regs.Write(offset, value);
        }
        else if (!_ggtt.TryWrite(address, regs.Read(offset)))
        {
            Fault(FaultKind.PageFault, rq, ip, cmd, $"register store to unmapped 0x{address:x8}");
            return false;
        }

        return true;
    }

    /// <summary>
    /// MI_MATH: length + 1 ALU instructions (<see cref="Alu"/>). SRCA, SRCB, ACCU, ZF and CF start at 0 for each
    /// MI_MATH (only the GPRs are context state here). ZF and CF read as all ones when set, all zeros when clear, so
    /// STOREINV of a flag is its logical negation in every bit. An undefined ALU opcode or operand (and the DG2+
    /// shifts, which Tiger Lake lacks) is an invalid instruction; the ALU dwords before it have taken effect.
    /// False with the fault taken.
    /// </summary>
    private bool AluMath(Request rq, uint ip, uint cmd, out uint dwords)
    {
        uint count = Mi.Length(cmd) + 1;
        dwords = count + 1;
        if ((cmd & FlagBits) != 0)
        {
            Fault(FaultKind.InvalidInstruction, rq, ip, cmd, "MATH with stray bits");
            return false;
        }

        CsRegisters regs = RegistersOf(rq.Context);
        ulong srcA = 0, srcB = 0, accu = 0;
        bool zf = false, cf = false;
        for (uint i = 1; i <= count; i++)
        {
            if (!_ggtt.TryRead(ip + (i * 4), out uint alu))
            {
                Fault(FaultKind.PageFault, rq, ip, cmd, "instruction operands unmapped");
                return false;
            }

            uint op = alu >> 20, a = (alu >> 10) & 0x3FF, b = alu & 0x3FF;
            ulong value;
            switch (op)
            {
                case Alu.Noop:
                    continue;

                case Alu.Load:
                case Alu.LoadInv:
                case Alu.Load0:
                case Alu.Load1:
                    if (op is Alu.Load0 or Alu.Load1)
                    {
                        value = op == Alu.Load1 ? 1UL : 0UL;
                    }
                    else if (Source(b, out value))
                    {
                        value = op == Alu.LoadInv ? ~value : value;
                    }
                    else
                    {
                        break;
                    }

                    if (a == Alu.SrcA)
                    {
                        srcA = value;
                        continue;
                    }

                    if (a == Alu.SrcB)
                    {
                        srcB = value;
                        continue;
                    }

                    break;

                case Alu.Add:
                    accu = srcA + srcB;
                    cf = accu < srcA; // carry out of bit 63
                    zf = accu == 0;
                    continue;

                case Alu.Sub:
                    accu = srcA - srcB;
                    cf = srcA < srcB; // borrow
                    zf = accu == 0;
                    continue;

                case Alu.And:
                case Alu.Or:
                case Alu.Xor:
                    accu = op == Alu.And ? srcA & srcB : op == Alu.Or ? srcA | srcB : srcA ^ srcB;
                    cf = false;
                    zf = accu == 0;
                    continue;

                case Alu.Store:
                case Alu.StoreInv:
                    if (a < EngineMmio.GprCount && Source(b, out value))
                    {
                        regs[(int)a] = op == Alu.StoreInv ? ~value : value;
                        continue;
                    }

                    break;
            }

            Fault(FaultKind.InvalidInstruction, rq, ip + (i * 4), alu, $"MATH: undefined ALU instruction 0x{alu:x8}");
            return false;
        }

        return true;

        bool Source(uint operand, out ulong v)
        {
            v = operand switch
            {
                < EngineMmio.GprCount => regs[(int)operand],
                Alu.Accu => accu,
                Alu.Zf => zf ? ulong.MaxValue : 0,
                Alu.Cf => cf ? ulong.MaxValue : 0,
                Alu.SrcA => srcA,
                Alu.SrcB => srcB,
                _ => 0,
            };
            return operand is < EngineMmio.GprCount or Alu.Accu or Alu.Zf or Alu.Cf or Alu.SrcA or Alu.SrcB;
        }
    }
}
