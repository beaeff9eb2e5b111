using CsCheck;

namespace Driver.Sim.Fuzz;

/// <summary>CsCheck generators of scenario mutations, and the values and names they put into files.</summary>
public static class ScenarioGenerators
{
    /// <summary>Values a <see cref="ScenarioMutationKind.Replace"/> puts in: every JSON type, boundaries, near-miss enums.</summary>
    public static readonly string[] Values =
    [
        "null", "true", "false", "0", "-1", "1", "2", "2147483647", "2147483648", "-2147483649", "1e308", "0.5",
        "99999999999999999999", "\"\"", "\"x\"", "\"rcs0\"", "\"all\"", "\"noPreemption\"", "\"plain\"", "\"EIO\"",
        "\"engine\"", "\"full\"", "\"wedge\"", "\"1e9\"", "[]", "{}", "[\"rcs0\", \"nope\"]", "{\"min\": 5, \"max\": 1}",
        "[null]", "\"default\"", "\"cross-engine\"", "100000", "-100000",
    ];

    /// <summary>Names a <see cref="ScenarioMutationKind.Rename"/> gives a property.</summary>
    public static readonly string[] Names =
    [
        "count", "type", "engine", "engines", "client", "context", "name", "ms", "spinner", "seed", "phases", "steps",
        "clients", "expect", "device", "workNs", "$schema", "Count", "", "heartbeatMs", "drainTimeoutMs", "errors",
    ];

    /// <summary>Characters an <see cref="ScenarioMutationKind.InsertChar"/> puts in.</summary>
    public static readonly char[] Chars = ['{', '}', '[', ']', '"', ',', ':', '\\', '\0', '9', '-', 'e', '\n', '\uFFFF', '/'];

    /// <summary>One mutation.</summary>
    public static readonly Gen<ScenarioMutation> Mutation = Gen.Select(
        Gen.Frequency(
            (3, Gen.Const(ScenarioMutationKind.Delete)), (5, Gen.Const(ScenarioMutationKind.Replace)),
            (2, Gen.Const(ScenarioMutationKind.Graft)), (2, Gen.Const(ScenarioMutationKind.Rename)),
            (1, Gen.Const(ScenarioMutationKind.Truncate)), (1, Gen.Const(ScenarioMutationKind.InsertChar))),
        Gen.Int[0, 10_000],
        Gen.Int[0, 10_000],
        Gen.Int[0, 1000],
        (kind, node, choice, position) => new ScenarioMutation(kind, node, choice, position));

    /// <summary>A case over a corpus of <paramref name="sources"/> files.</summary>
    public static Gen<ScenarioCase> Case(int sources) => Gen.Select(
        Gen.Int[0, sources - 1],
        Mutation.Array[1, 4],
        (source, mutations) => new ScenarioCase(source, mutations));
}
