namespace Driver.Sim.Results;

/// <summary>One engine: requests the scenario submitted to it, and its resets.</summary>
public sealed record EngineCounts(int Requests, int Resets);
