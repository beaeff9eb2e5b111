namespace Driver.Sim.Results;

/// <summary>Reset counters: engine resets, full resets (attempts), failed resets.</summary>
public sealed record ResetCounts(int Engine, int Full, int Failed);
