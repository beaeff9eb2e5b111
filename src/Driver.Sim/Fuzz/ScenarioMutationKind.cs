namespace Driver.Sim.Fuzz;

/// <summary>How a scenario file is mutated: on its JSON tree, or on its text.</summary>
public enum ScenarioMutationKind
{
    /// <summary>Removes a property or an array element.</summary>
    Delete,
    /// <summary>Replaces a value with one of <see cref="ScenarioGenerators.Values"/>.</summary>
    Replace,
    /// <summary>Puts a copy of another node of the file in a node's place (type confusion, duplicated steps).</summary>
    Graft,
    /// <summary>Renames a property (a typo, or another property's name).</summary>
    Rename,
    /// <summary>Cuts the text off.</summary>
    Truncate,
    /// <summary>Inserts a character into the text.</summary>
    InsertChar,
}
