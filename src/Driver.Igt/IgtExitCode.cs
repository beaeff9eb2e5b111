namespace Driver.Igt;

/// <summary>Exit codes of an IGT binary (lib/igt_core.h).</summary>
public static class IgtExitCode
{
    /// <summary>Every subtest that ran passed.</summary>
    public const int Success = 0;
    /// <summary>Every subtest was skipped.</summary>
    public const int Skip = 77;
    /// <summary>No subtest matched (unknown subtest).</summary>
    public const int Invalid = 79;
    /// <summary>A subtest failed, crashed or timed out.</summary>
    public const int Failure = 98;
}
