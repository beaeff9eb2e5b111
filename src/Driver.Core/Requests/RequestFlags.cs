namespace Driver.Core.Requests;

/// <summary>Per-request options from execbuf.</summary>
[Flags]
public enum RequestFlags
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>Do not capture this request into the error state on a hang.</summary>
    NoCapture = 1 << 0,
    /// <summary>A kernel request with no batch (heartbeat pulse): only its breadcrumb is written.</summary>
    Pulse = 1 << 1,
}
