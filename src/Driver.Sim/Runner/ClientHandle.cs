namespace Driver.Sim.Runner;

/// <summary>An opened scenario client: its id and its contexts' ids by name ("default" is 0).</summary>
internal sealed record ClientHandle(string Name, int Id, IReadOnlyDictionary<string, int> Contexts);
