namespace Driver.Reset.Recovery;

/// <summary>Flags of <c>HandleError</c>.</summary>
[Flags]
public enum ErrorFlags
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>Capture the error state (I915_ERROR_CAPTURE).</summary>
    Capture = 1,
}
