namespace Driver.Engines.Isa;

/// <summary>
/// The command streamer's ALU, as MI_MATH drives it (gen9+ PRM, "MI_MATH" and "ALU Programming"; encodings as in
/// IGT's and i915's intel_gpu_commands.h). Each ALU instruction is one dword: opcode bits 31:20, operand 1 bits
/// 19:10, operand 2 bits 9:0. Operands are the 16 64-bit GPRs (0..15), the ALU's inputs SRCA/SRCB and its outputs
/// ACCU (the result), ZF (zero flag) and CF (carry/borrow flag).
/// </summary>
public static class Alu
{
    /// <summary>NOOP.</summary>
    public const uint Noop = 0x000;
    /// <summary>LOAD SRCA|SRCB, reg: the source gets the register.</summary>
    public const uint Load = 0x080;
    /// <summary>LOADINV SRCA|SRCB, reg: the source gets the register's bitwise inverse.</summary>
    public const uint LoadInv = 0x480;
    /// <summary>LOAD0 SRCA|SRCB: the source gets 0.</summary>
    public const uint Load0 = 0x081;
    /// <summary>LOAD1 SRCA|SRCB: the source gets 1.</summary>
    public const uint Load1 = 0x481;
    /// <summary>ADD: ACCU = SRCA + SRCB, CF = the carry out of bit 63.</summary>
    public const uint Add = 0x100;
    /// <summary>SUB: ACCU = SRCA - SRCB, CF = the borrow (SRCA &lt; SRCB unsigned).</summary>
    public const uint Sub = 0x101;
    /// <summary>AND: ACCU = SRCA &amp; SRCB.</summary>
    public const uint And = 0x102;
    /// <summary>OR: ACCU = SRCA | SRCB.</summary>
    public const uint Or = 0x103;
    /// <summary>XOR: ACCU = SRCA ^ SRCB.</summary>
    public const uint Xor = 0x104;
    /// <summary>STORE reg, ACCU|ZF|CF|reg: the register gets the operand.</summary>
    public const uint Store = 0x180;
    /// <summary>STOREINV reg, ACCU|ZF|CF|reg: the register gets the operand's bitwise inverse.</summary>
    public const uint StoreInv = 0x580;

    /// <summary>Operand: the ALU's first input.</summary>
    public const uint SrcA = 0x20;
    /// <summary>Operand: the ALU's second input.</summary>
    public const uint SrcB = 0x21;
    /// <summary>Operand: the ALU's result.</summary>
    public const uint Accu = 0x31;
    /// <summary>Operand: the zero flag (all ones when the last result was 0).</summary>
    public const uint Zf = 0x32;
    /// <summary>Operand: the carry flag (all ones after a carry out of ADD or a borrow of SUB).</summary>
    public const uint Cf = 0x33;

    /// <summary>Operand: GPR <paramref name="n"/> (0..15).</summary>
    public static uint Reg(int n) => (uint)n;

    /// <summary>One ALU instruction dword.</summary>
    public static uint Instr(uint opcode, uint operand1 = 0, uint operand2 = 0) => (opcode << 20) | (operand1 << 10) | operand2;
}
