namespace Driver.Igt;

/// <summary>An assertion failed (igt_assert): the subtest fails.</summary>
public sealed class IgtFailException(IgtLocation location, string assertion, IReadOnlyList<string> details)
    : Exception($"Failed assertion: {assertion}")
{
    /// <summary>Where the assertion is.</summary>
    public IgtLocation Location { get; } = location;

    /// <summary>The assertion's expression.</summary>
    public string Assertion { get; } = assertion;

    /// <summary>Extra lines: the compared values (igt_assert_eq's "error: a != b") or igt_assert_f's message.</summary>
    public IReadOnlyList<string> Details { get; } = details;
}
