namespace Driver.Fuzz;

/// <summary>Where an address operand of a fuzzed instruction points (resolved when the batch is written).</summary>
public enum AddressKind
{
    /// <summary>A dword of the case's target object.</summary>
    Target,
    /// <summary>A dword of the batch itself, or a little past its end (self-modifying, jumping off the end).</summary>
    Self,
    /// <summary>A dword of another object full of random dwords.</summary>
    Other,
    /// <summary>The breadcrumb (status-page seqno) of the batch's own timeline.</summary>
    Breadcrumb,
    /// <summary>Address 0: never mapped.</summary>
    Zero,
    /// <summary>Any 32-bit value.</summary>
    Raw,
    /// <summary>The target object, not dword aligned.</summary>
    Misaligned,
}
