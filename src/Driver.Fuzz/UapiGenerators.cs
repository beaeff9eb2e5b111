using CsCheck;

namespace Driver.Fuzz;

/// <summary>CsCheck generators of uAPI call sequences: two or three threads of up to 20 calls over two client slots.</summary>
public static class UapiGenerators
{
    /// <summary>Client slots shared by the threads.</summary>
    public const int ClientSlots = 2;

    /// <summary>A numeric argument: the boundaries sizes, offsets and timeouts are checked against, and small values.</summary>
    public static readonly Gen<long> Argument = Gen.Frequency(
        (4, Gen.OneOf(0L, 4L, 4096L, 8192L, 1L, 3L, 4092L, 4100L, 1_000_000L)),
        (2, Gen.OneOf(-1L, -4096L, long.MaxValue, long.MinValue, int.MaxValue, 1L << 40, 0x1000_0000L, uint.MaxValue)),
        (2, Gen.Long[-2, 1100]));

    /// <summary>A reference: mostly an index into what the slot has, sometimes an id that was never handed out.</summary>
    public static readonly Gen<int> Reference = Gen.Frequency((6, Gen.Int[0, 7]), (1, Gen.OneOf(-1, -1000, int.MinValue, -12345)));

    /// <summary>One call, weighted towards the calls that make work and the calls that race it.</summary>
    public static readonly Gen<UapiOp> Op = Gen.Select(
        Gen.Frequency(
            (4, Gen.Const(UapiOpKind.CreateBuffer)), (2, Gen.Const(UapiOpKind.CloseBuffer)), (1, Gen.Const(UapiOpKind.Bind)),
            (3, Gen.Const(UapiOpKind.Write)), (1, Gen.Const(UapiOpKind.Read)), (6, Gen.Const(UapiOpKind.Execbuf)),
            (2, Gen.Const(UapiOpKind.Wait)), (1, Gen.Const(UapiOpKind.Busy)), (2, Gen.Const(UapiOpKind.CreateContext)),
            (2, Gen.Const(UapiOpKind.DestroyContext)), (2, Gen.Const(UapiOpKind.SetParam)), (1, Gen.Const(UapiOpKind.GetParam)),
            (1, Gen.Const(UapiOpKind.ResetStats)), (3, Gen.Const(UapiOpKind.Spinner)), (2, Gen.Const(UapiOpKind.EndSpinner)),
            (1, Gen.Const(UapiOpKind.CloseClient)), (1, Gen.Const(UapiOpKind.Throttle)), (2, Gen.Const(UapiOpKind.WaitFence))),
        Gen.Int[0, ClientSlots - 1],
        Reference,
        Argument,
        Argument,
        Gen.Frequency((10, Gen.Int[0, 4]), (1, Gen.OneOf(-1, 5, 7, int.MaxValue))),
        (kind, client, reference, arg, arg2, engine) => new UapiOp(kind, client, reference, arg, arg2, engine));

    /// <summary>A whole case.</summary>
    public static readonly Gen<UapiCase> Case = Op.Array[1, 20].Array[2, 3].Select(threads => new UapiCase(threads));
}
