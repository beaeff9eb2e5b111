using CsCheck;
using Driver.Engines.Isa;

namespace Driver.Fuzz;

/// <summary>
/// CsCheck generators of batch cases: mostly well-formed instructions with operands aimed at the interesting places
/// (the target, the batch itself, another object, the breadcrumb, unmapped and misaligned addresses), mixed with
/// random dwords and malformed headers; one to three execbufs with valid and invalid engines and offsets.
/// </summary>
public static class BatchGenerators
{
    /// <summary>Dwords of the program at most (a batch page holds 1024).</summary>
    public const int MaxProgram = 24;

    /// <summary>An address operand.</summary>
    public static readonly Gen<FuzzAddress> Address = Gen.Frequency(
        (5, Gen.UInt[0, 63].Select(v => new FuzzAddress(AddressKind.Target, v))),
        (4, Gen.UInt[0, 1100].Select(v => new FuzzAddress(AddressKind.Self, v))),
        (2, Gen.UInt[0, 1023].Select(v => new FuzzAddress(AddressKind.Other, v))),
        (2, Gen.Const(new FuzzAddress(AddressKind.Breadcrumb, 0))),
        (1, Gen.Const(new FuzzAddress(AddressKind.Zero, 0))),
        (1, Gen.UInt.Select(v => new FuzzAddress(AddressKind.Raw, v))),
        (1, Gen.UInt[0, 63].Select(v => new FuzzAddress(AddressKind.Misaligned, v))));

    /// <summary>A stored value: small, an instruction (for self-modifying stores), or anything.</summary>
    public static readonly Gen<uint> StoreValue = Gen.Frequency(
        (3, Gen.UInt[0, 7]),
        (2, Gen.OneOf(Mi.BatchBufferEnd, Mi.Noop, Mi.ArbCheck, Mi.Header(MiOpcode.BatchBufferStart), 0xDEADBEEFu)),
        (1, Gen.UInt));

    /// <summary>Nanoseconds of a WORK: mostly short, now and then the 4.3 s maximum.</summary>
    public static readonly Gen<uint> WorkNs = Gen.Frequency((8, Gen.UInt[0, 200_000]), (1, Gen.Const(uint.MaxValue)));

    /// <summary>One instruction.</summary>
    public static readonly Gen<FuzzInstruction> Instruction = Gen.Frequency(
        (3, Gen.Const(new FuzzInstruction(InstructionKind.Noop, default, 0, 0))),
        (2, Gen.Const(new FuzzInstruction(InstructionKind.ArbCheck, default, 0, 0))),
        (2, Gen.Const(new FuzzInstruction(InstructionKind.End, default, 0, 0))),
        (6, Gen.Select(Address, StoreValue, (a, v) => new FuzzInstruction(InstructionKind.Store, a, v, 0))),
        (2, Gen.Select(Address, Gen.UInt[0, 3], Gen.UInt[0, 7], (a, v, op) => new FuzzInstruction(InstructionKind.SemaphoreWait, a, v, op))),
        (2, Gen.Select(Address, Gen.UInt[0, 3], Gen.UInt[0, 7], (a, v, op) => new FuzzInstruction(InstructionKind.ConditionalEnd, a, v, op))),
        (3, Address.Select(a => new FuzzInstruction(InstructionKind.Jump, a, 0, 0))),
        (2, WorkNs.Select(ns => new FuzzInstruction(InstructionKind.Work, default, ns, 0))),
        (2, Gen.UInt.Select(v => new FuzzInstruction(InstructionKind.Raw, default, v, 0))),
        (1, Gen.Select(Gen.UInt[0, 6], Gen.Frequency((2, Gen.UInt[1, 0xFF]), (1, Gen.UInt[0x100, 0x7FFFFF])),
            (op, bits) => new FuzzInstruction(InstructionKind.BadHeader, default, bits, op))));

    /// <summary>A batch offset: mostly 0, else somewhere in the batch, misaligned, past the end or negative.</summary>
    public static readonly Gen<long> BatchOffset = Gen.Frequency(
        (8, Gen.Const(0L)),
        (2, Gen.Int[0, 1023].Select(d => d * 4L)),
        (1, Gen.OneOf(2L, 4095L, 4096L, 8192L, -4L, long.MaxValue - 3, long.MinValue)));

    /// <summary>An execbuf: a valid engine mostly, sometimes an invalid number.</summary>
    public static readonly Gen<BatchSubmit> Submit = Gen.Select(
        Gen.Frequency((12, Gen.Int[0, 4]), (1, Gen.OneOf(-1, 5, 64, int.MinValue))),
        Gen.Int[0, 1],
        BatchOffset,
        (e, c, o) => new BatchSubmit(e, c, o));

    /// <summary>A whole case.</summary>
    public static readonly Gen<BatchCase> Case = Gen.Select(
        Instruction.Array[1, MaxProgram],
        Gen.Int[1, 2],
        Gen.UInt.Array[0, 16],
        Submit.Array[1, 3],
        Gen.Int[5, 60],
        (program, pages, other, submits, runMs) => new BatchCase(program, pages, other, submits, runMs));
}
