namespace Driver.Drm;

/// <summary>A byte range of the shared memory arena (the memfd both the simulator and its clients map).</summary>
public readonly record struct ArenaRun(long ArenaOffset, long Length);
