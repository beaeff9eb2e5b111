using System.Text.RegularExpressions;

namespace Driver.Igt;

/// <summary>
/// Which driver warnings a subtest provoked on purpose (igt_runner keeps them in dmesg but they do not count).
/// Hang recovery reports every hang at warning level ("GPU HANG: ..."), as i915 does; a wedge and an injected
/// reset failure log errors of their own.
/// </summary>
public static partial class IgtDmesgFilter
{
    /// <summary>Whether <paramref name="message"/> is one of the warnings <paramref name="expect"/> allows.</summary>
    public static bool IsExpected(IgtExpectations expect, string message) =>
        (expect.HasFlag(IgtExpectations.Hang) && HangMessage().IsMatch(message))
        || (expect.HasFlag(IgtExpectations.Wedge) && WedgeMessage().IsMatch(message))
        || (expect.HasFlag(IgtExpectations.ResetFailure) && ResetFailureMessage().IsMatch(message));

    [GeneratedRegex(@"^GPU HANG: ")]
    private static partial Regex HangMessage();

    [GeneratedRegex(@"^(wedging the GPU: |GPU reset disabled$)")]
    private static partial Regex WedgeMessage();

    [GeneratedRegex(@"(\(injected\)$|^failed to reset |^Failed to reset chip|^wedging the GPU: full reset failed)")]
    private static partial Regex ResetFailureMessage();
}
