using Driver.Core.Requests;

namespace Driver.Engines.Execution;

/// <summary>An engine fault: what went wrong, where (the instruction address, like ACTHD) and the dword seen there.</summary>
public sealed record EngineFault(FaultKind Kind, Request Request, uint Address, uint Dword, string Detail)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Kind} at 0x{Address:x8} (0x{Dword:x8}): {Detail}";
}
