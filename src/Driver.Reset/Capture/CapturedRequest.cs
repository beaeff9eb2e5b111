namespace Driver.Reset.Capture;

/// <summary>A request as the error state records it (i915_request_coredump).</summary>
public sealed record CapturedRequest(string Context, uint Seqno, uint BatchAddress, int Status, bool Started)
{
    /// <summary>The fence context of the request's timeline (the "seqno context:seqno" pair's first half).</summary>
    public ulong FenceContext { get; init; }

    /// <summary>The owning client's id, standing for the process id.</summary>
    public int Pid { get; init; }

    /// <summary>The request's priority.</summary>
    public int Priority { get; init; }
}
