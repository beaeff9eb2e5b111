namespace Driver.Uapi;

/// <summary>Execbuf flags. Unknown bits are rejected with EINVAL.</summary>
[Flags]
public enum ExecFlags
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>Leave this batch out of error states.</summary>
    NoCapture = 1 << 0,
}
