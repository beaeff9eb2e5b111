namespace Driver.Engines.Vulkan;

/// <summary>What happened to one request on the Vulkan backend.</summary>
/// <param name="Request">The request ("client3/ctx0 rcs0:2").</param>
/// <param name="Seqno">Its seqno.</param>
/// <param name="Outcome">How it finished.</param>
/// <param name="Status">Its fence status once signalled (1, or a negative errno).</param>
/// <param name="Reason">Why it failed, or the translation summary.</param>
/// <param name="QueuedTimestamp">Stopwatch timestamp of its hand-over to the backend (all dependencies signalled).</param>
/// <param name="SubmittedTimestamp">Stopwatch timestamp of its (last) vkQueueSubmit, 0 if never submitted.</param>
/// <param name="CompletedTimestamp">Stopwatch timestamp just before its signal.</param>
/// <param name="Dispatches">Dispatches recorded.</param>
/// <param name="Attempts">Submissions (more than one after an innocent device loss).</param>
public sealed record VulkanRequestRecord(
    string Request, uint Seqno, VulkanRequestOutcome Outcome, int Status, string? Reason,
    long QueuedTimestamp, long SubmittedTimestamp, long CompletedTimestamp, int Dispatches, int Attempts);
