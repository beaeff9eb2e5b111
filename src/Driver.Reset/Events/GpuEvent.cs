namespace Driver.Reset.Events;

/// <summary>One notification: what, when (Stopwatch timestamp), which engines, and a message.</summary>
public sealed record GpuEvent(GpuEventKind Kind, long Timestamp, uint EngineMask, string Message);
