namespace Driver.Sim.Fuzz;

/// <summary>
/// One mutation: its kind, which node it hits (an index into the file's nodes, modulo their count), a second index
/// (the value, the grafted node, the new name or the character) and, for text mutations, the position as a fraction
/// of the text in thousandths.
/// </summary>
public sealed record ScenarioMutation(ScenarioMutationKind Kind, int Node, int Choice, int Position)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Kind}(node {Node}, choice {Choice}, at {Position}‰)";
}
