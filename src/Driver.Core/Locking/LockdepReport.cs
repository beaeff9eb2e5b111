namespace Driver.Core.Locking;

/// <summary>One lockdep splat: its kind, its kernel-style title and text, and the lock classes it is about.</summary>
public sealed class LockdepReport
{
    /// <summary>Creates a report; only the validator makes them.</summary>
    internal LockdepReport(LockdepReportKind kind, string title, string text, IReadOnlyList<string> chain, string threadName)
    {
        Kind = kind;
        Title = title;
        Text = text;
        Chain = chain;
        ThreadName = threadName;
    }

    /// <summary>What the report is about.</summary>
    public LockdepReportKind Kind { get; }

    /// <summary>The kernel's WARNING line without the "WARNING: " prefix, e.g. "possible circular locking dependency detected".</summary>
    public string Title { get; }

    /// <summary>The whole splat, laid out like the kernel's lockdep output.</summary>
    public string Text { get; }

    /// <summary>
    /// The lock classes involved (subclass n &gt; 0 printed as "name/n").
    /// CircularDependency: the held lock, the lock being acquired, then the existing path from the latter back to the former (which is not repeated).
    /// RecursiveLocking / FenceWaitInSignallingSection / BadUnlockBalance: the one class.
    /// HeldLockAtThreadExit: the held classes, outermost first.
    /// </summary>
    public IReadOnlyList<string> Chain { get; }

    /// <summary>"name/managed-thread-id" of the thread that triggered the report (the kernel's comm/pid).</summary>
    public string ThreadName { get; }

    /// <summary>Returns <see cref="Text"/>.</summary>
    public override string ToString() => Text;
}
