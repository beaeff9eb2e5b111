namespace Driver.Engines.Tests.Engines;

/// <summary>A fact about Linux-only machinery (sched_setaffinity, /proc): skipped with the reason elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    /// <summary>Skips off Linux.</summary>
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "needs Linux (sched_setaffinity, /proc/self/task/TID/status)";
        }
    }
}
