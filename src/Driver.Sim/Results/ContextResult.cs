namespace Driver.Sim.Results;

/// <summary>Hang accounting of one context at the end of the run.</summary>
public sealed record ContextResult(string Client, string Name, int Id, int Guilty, int Innocent, bool Banned);
