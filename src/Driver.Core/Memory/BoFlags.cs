namespace Driver.Core.Memory;

/// <summary>Buffer-object creation flags. Unknown bits are rejected with EINVAL.</summary>
[Flags]
public enum BoFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>Kernel-owned object (status pages, pulses); not visible to clients.</summary>
    Kernel = 1 << 0,
    /// <summary>The object is captured into the error state on a hang (EXEC_OBJECT_CAPTURE).</summary>
    Capture = 1 << 1,
}
