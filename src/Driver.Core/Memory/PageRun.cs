namespace Driver.Core.Memory;

/// <summary>A byte range of a <see cref="PageArena"/> (and of its memfd): where part of an object's backing lies.</summary>
public readonly record struct PageRun(long ArenaOffset, long Length);
