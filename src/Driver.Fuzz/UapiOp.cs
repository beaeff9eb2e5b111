namespace Driver.Fuzz;

/// <summary>
/// One uAPI call: its kind, the client slot, a reference (a non-negative one picks one of the slot's handles,
/// contexts, spinners or fences by index; a negative one is used as a raw, invalid id), two numeric arguments
/// (sizes, offsets, timeouts, parameter values, flags) and an engine or parameter number.
/// </summary>
public sealed record UapiOp(UapiOpKind Kind, int Client, int Ref, long Arg, long Arg2, int Engine)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Kind}(client {Client}, ref {Ref}, {Arg}, {Arg2}, engine {Engine})";
}
