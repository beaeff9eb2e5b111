namespace Driver.Reset.Events;

/// <summary>
/// One notification: what, when (Stopwatch timestamp), which engines, and a message. For events that close a
/// period (a reset), <see cref="StartTimestamp"/> is when it began; otherwise it equals <see cref="Timestamp"/>.
/// </summary>
public sealed record GpuEvent(GpuEventKind Kind, long Timestamp, uint EngineMask, string Message, long StartTimestamp)
{
    /// <summary>Duration of the period the event closes (zero for a point event).</summary>
    public TimeSpan Duration => TimeSpan.FromSeconds((Timestamp - StartTimestamp) / (double)System.Diagnostics.Stopwatch.Frequency);
}
