namespace Driver.Igt;

/// <summary>How a subtest ended (lib/igt_core.c), plus the runner's own timeout.</summary>
public enum IgtResult
{
    /// <summary>SUCCESS: every assertion held.</summary>
    Success,
    /// <summary>SKIP: a requirement was not met.</summary>
    Skip,
    /// <summary>FAIL: an assertion failed.</summary>
    Fail,
    /// <summary>CRASH: an unexpected exception escaped the subtest.</summary>
    Crash,
    /// <summary>The subtest ran past the runner's per-test timeout and was abandoned.</summary>
    Timeout,
}
