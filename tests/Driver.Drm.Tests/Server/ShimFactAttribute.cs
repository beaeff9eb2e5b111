namespace Driver.Drm.Tests.Server;

/// <summary>
/// A fact that needs the native DRM shim (built by native/drm-shim/DrmShim.targets into the test output) and a C
/// compiler for the test client; skipped with the reason where either is missing (xunit 2 has no dynamic skip).
/// </summary>
public sealed class ShimFactAttribute : FactAttribute
{
    /// <summary>Skips when the shim or cc is missing.</summary>
    public ShimFactAttribute()
    {
        if (ShimClient.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
