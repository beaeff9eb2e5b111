namespace Driver.Igt;

/// <summary>A requirement was not met (igt_require): the subtest is skipped.</summary>
public sealed class IgtSkipException(IgtLocation location, string requirement, string? message)
    : Exception(message ?? $"Test requirement: {requirement}")
{
    /// <summary>Where the requirement is.</summary>
    public IgtLocation Location { get; } = location;

    /// <summary>The requirement's expression.</summary>
    public string Requirement { get; } = requirement;

    /// <summary>The optional explanation (igt_require_f).</summary>
    public string? Detail { get; } = message;
}
