namespace Driver.Engines.Isa;

/// <summary>
/// Comparison of SEMAPHORE_WAIT and COND_BATCH_BUFFER_END, header bits 14:12: the memory dword (SAD) compared
/// against the inline data dword (SDD), as the hardware's <c>MI_SEMAPHORE_SAD_*_SDD</c>.
/// </summary>
public enum CompareOp : uint
{
    /// <summary>memory &gt; data.</summary>
    Greater = 0,
    /// <summary>memory &gt;= data.</summary>
    GreaterOrEqual = 1,
    /// <summary>memory &lt; data.</summary>
    Less = 2,
    /// <summary>memory &lt;= data.</summary>
    LessOrEqual = 3,
    /// <summary>memory == data.</summary>
    Equal = 4,
    /// <summary>memory != data.</summary>
    NotEqual = 5,
}
