namespace Driver.Reset.Capture;

/// <summary>
/// The hung request's context as the error state records it (i915_gem_context_coredump): the client's name and id
/// (i915's comm and pid), its priority, its guilty and innocent ("active") hang counts before this hang, and the
/// last seqno its timeline completed.
/// </summary>
public sealed record CapturedContext(string Comm, int Pid, int Priority, int Guilty, int Active, uint TimelineSeqno);
