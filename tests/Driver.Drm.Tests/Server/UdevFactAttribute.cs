namespace Driver.Drm.Tests.Server;

/// <summary>A fact that needs the shim, cc and libudev's header; skipped with the reason where one is missing.</summary>
public sealed class UdevFactAttribute : FactAttribute
{
    /// <summary>Skips when the shim, cc or libudev is missing.</summary>
    public UdevFactAttribute()
    {
        if (UdevClient.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
