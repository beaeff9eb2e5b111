using System.Text;

namespace Driver.Core.Locking;

/// <summary>
/// Lays reports out like the kernel's lockdep splats (kernel/locking/lockdep.c: print_circular_bug,
/// print_deadlock_bug, print_unlock_imbalance_bug, lockdep_sys_exit). Pure functions of their arguments.
/// </summary>
internal static class ReportFormatter
{
    /// <summary>Title of <see cref="LockdepReportKind.CircularDependency"/>.</summary>
    public const string CircularTitle = "possible circular locking dependency detected";

    /// <summary>Title of <see cref="LockdepReportKind.RecursiveLocking"/>.</summary>
    public const string RecursiveTitle = "possible recursive locking detected";

    /// <summary>Title of <see cref="LockdepReportKind.FenceWaitInSignallingSection"/>.</summary>
    public const string FenceWaitTitle = "possible recursive locking detected: fence wait inside a dma_fence signalling section";

    /// <summary>Title of <see cref="LockdepReportKind.BadUnlockBalance"/>.</summary>
    public const string BadUnlockTitle = "bad unlock balance detected!";

    /// <summary>Title of <see cref="LockdepReportKind.HeldLockAtThreadExit"/>.</summary>
    public const string HeldAtExitTitle = "lock held when returning to user space!";

    /// <summary>
    /// The circular splat. <paramref name="path"/> is the existing path next → … → held that the new dependency
    /// held → next closes.
    /// </summary>
    public static string Circular(
        string thread, HeldLock held, LockNode next, CallSite current, IReadOnlyList<LockEdge> path, IReadOnlyList<HeldLock> heldLocks)
    {
        var text = new StringBuilder();
        Header(text, CircularTitle);
        text.Append(thread).Append(" is trying to acquire lock:\n");
        text.Append(" (").Append(next.Name).Append("), at: ").Append(current.Top).Append("\n\n");
        text.Append("but task is already holding lock:\n");
        text.Append(" (").Append(held.Node.Name).Append("), at: ").Append(held.Site.Top).Append("\n\n");
        text.Append("which lock already depends on the new lock.\n\n");
        text.Append("the existing dependency chain (in reverse order) is:\n");

        // Like the kernel: #depth is the held lock with the trace of the edge into it, down to #0, the lock
        // being acquired now, with the current trace.
        for (int i = path.Count - 1; i >= 0; i--)
        {
            LockEdge edge = path[i];
            text.Append("\n-> #").Append(i + 1).Append(" (").Append(edge.To.Name).Append("):\n");
            text.Append(edge.Site.Frames).Append('\n');
        }

        text.Append("\n-> #0 (").Append(next.Name).Append("):\n");
        text.Append(current.Frames).Append("\n\n");
        text.Append("other info that might help us debug this:\n\n");

        // parent = the lock that takes `held` directly at the end of the path (the kernel's first_parent).
        LockNode parent = path[^1].From;
        if (!ReferenceEquals(parent, next))
        {
            text.Append("Chain exists of:\n  ")
                .Append(next.Name).Append(" --> ").Append(parent.Name).Append(" --> ").Append(held.Node.Name)
                .Append("\n\n");
        }

        text.Append(" Possible unsafe locking scenario:\n\n");
        text.Append("       CPU0                    CPU1\n");
        text.Append("       ----                    ----\n");
        text.Append("  lock(").Append(held.Node.Name).Append(");\n");
        text.Append("                               lock(").Append(parent.Name).Append(");\n");
        text.Append("                               lock(").Append(held.Node.Name).Append(");\n");
        text.Append("  lock(").Append(next.Name).Append(");\n");
        text.Append("\n *** DEADLOCK ***\n\n");
        Footer(text, thread, heldLocks, current);
        return text.ToString();
    }

    /// <summary>The recursive-locking splat; with <paramref name="fenceWait"/>, worded for a fence wait in a signalling section.</summary>
    public static string Recursive(
        string thread, HeldLock held, LockNode next, CallSite current, IReadOnlyList<HeldLock> heldLocks, bool fenceWait)
    {
        var text = new StringBuilder();
        Header(text, RecursiveTitle);
        text.Append(thread).Append(" is trying to acquire lock:\n");
        text.Append(" (").Append(next.Name).Append("), at: ").Append(current.Top).Append("\n\n");
        text.Append("but task is already holding lock:\n");
        text.Append(" (").Append(held.Node.Name).Append("), at: ").Append(held.Site.Top).Append("\n\n");
        if (fenceWait)
        {
            text.Append("a dma_fence wait inside a fence signalling section (dma_fence_begin_signalling):\n");
            text.Append("the fence waited for may need this very section to complete before it can signal.\n\n");
        }

        text.Append("other info that might help us debug this:\n");
        text.Append(" Possible unsafe locking scenario:\n\n");
        text.Append("       CPU0\n");
        text.Append("       ----\n");
        text.Append("  lock(").Append(held.Node.Name).Append(");\n");
        text.Append("  lock(").Append(next.Name).Append(");\n");
        text.Append("\n *** DEADLOCK ***\n\n");
        if (!fenceWait)
        {
            text.Append(" May be due to missing lock nesting notation\n\n");
        }

        Footer(text, thread, heldLocks, current);
        return text.ToString();
    }

    /// <summary>The unlock-imbalance splat for a release of <paramref name="node"/> that is not held.</summary>
    public static string BadUnlock(string thread, LockNode node, CallSite current, IReadOnlyList<HeldLock> heldLocks)
    {
        var text = new StringBuilder();
        Header(text, BadUnlockTitle);
        text.Append(thread).Append(" is trying to release lock (").Append(node.Name).Append(") at:\n");
        text.Append(current.Frames).Append('\n');
        text.Append("but there are no more locks to release!\n\n");
        text.Append("other info that might help us debug this:\n");
        Footer(text, thread, heldLocks, current);
        return text.ToString();
    }

    /// <summary>The splat for a thread ending with locks held.</summary>
    public static string HeldAtExit(string thread, IReadOnlyList<HeldLock> heldLocks, CallSite current)
    {
        var text = new StringBuilder();
        Header(text, HeldAtExitTitle);
        text.Append(thread).Append(" is leaving the kernel with locks still held!\n");
        Footer(text, thread, heldLocks, current);
        return text.ToString();
    }

    private static void Header(StringBuilder text, string title)
    {
        string warning = "WARNING: " + title;
        text.Append('=', warning.Length).Append('\n');
        text.Append(warning).Append('\n');
        text.Append('-', warning.Length).Append('\n');
    }

    private static void Footer(StringBuilder text, string thread, IReadOnlyList<HeldLock> heldLocks, CallSite current)
    {
        if (heldLocks.Count == 0)
        {
            text.Append("no locks held by ").Append(thread).Append(".\n");
        }
        else
        {
            text.Append(heldLocks.Count).Append(heldLocks.Count == 1 ? " lock held by " : " locks held by ")
                .Append(thread).Append(":\n");
            for (int i = 0; i < heldLocks.Count; i++)
            {
                text.Append(" #").Append(i).Append(": (").Append(heldLocks[i].Node.Name).Append("), at: ")
                    .Append(heldLocks[i].Site.Top).Append('\n');
            }
        }

        text.Append("\nstack backtrace:\n").Append(current.Frames).Append('\n');
    }
}
