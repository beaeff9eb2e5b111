using System.Text.Json.Serialization;
using Driver.Sim.Scenarios.Json;

namespace Driver.Sim.Scenarios.Model;

/// <summary>
/// An expected count: an exact number (<c>3</c>), <c>"all"</c> (every submission in scope), or a range
/// (<c>{"min": 1, "max": 5}</c>, either bound optional).
/// </summary>
[JsonConverter(typeof(CountRangeConverter))]
public sealed record CountRange
{
    /// <summary>Lower bound, inclusive.</summary>
    public int? Min { get; init; }

    /// <summary>Upper bound, inclusive.</summary>
    public int? Max { get; init; }

    /// <summary>"all": equal to the number of submissions in scope.</summary>
    public bool IsAll { get; init; }

    /// <summary>An exact count.</summary>
    public static CountRange Exactly(int n) => new() { Min = n, Max = n };

    /// <summary>
    /// Whether <paramref name="actual"/> satisfies it; <paramref name="all"/> is the scope's total. "all" of an empty
    /// scope (a step whose every execbuf was refused, a step that submits nothing) claims something about no fence:
    /// it fails rather than pass without having checked anything.
    /// </summary>
    public bool Matches(long actual, long all) =>
        IsAll ? all > 0 && actual == all : (Min is not { } lo || actual >= lo) && (Max is not { } hi || actual <= hi);

    /// <summary>Text for failure messages ("3", "all (12)", "between 1 and 5", "at least 1").</summary>
    public string Describe(long all) => IsAll ? (all > 0 ? $"all ({all})" : "all, but there was none in scope")
        : Min == Max && Min is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : Min is { } lo && Max is { } hi ? $"between {lo} and {hi}"
        : Min is { } l ? $"at least {l}"
        : Max is { } h ? $"at most {h}" : "anything";
}
