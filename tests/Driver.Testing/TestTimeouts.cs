namespace Driver.Testing;

/// <summary>Bounds for every wait in the Sync tests.</summary>
public static class TestTimeouts
{
    /// <summary>For waits that must succeed: generous, so a loaded CI box does not fail them.</summary>
    public static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    /// <summary>For waits that must time out (negative checks): short, so the suite stays fast.</summary>
    public static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);
}
