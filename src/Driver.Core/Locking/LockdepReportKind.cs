namespace Driver.Core.Locking;

/// <summary>What a <see cref="LockdepReport"/> is about; one value per kind of kernel lockdep splat the validator emits.</summary>
public enum LockdepReportKind
{
    /// <summary>"possible circular locking dependency detected": a new dependency closes a cycle in the class graph (AB-BA or longer).</summary>
    CircularDependency,

    /// <summary>"possible recursive locking detected": a class is acquired while already held, without a distinct subclass.</summary>
    RecursiveLocking,

    /// <summary>"bad unlock balance detected!": a release of a lock the thread does not hold (or a hand-off ticket that is not in transit).</summary>
    BadUnlockBalance,

    /// <summary>"lock held when returning to user space!": <see cref="LockValidator.ThreadExit"/> found locks still held.</summary>
    HeldLockAtThreadExit,

    /// <summary>A fence wait (<see cref="LockValidator.MightWaitOnFence"/>) inside a dma_fence signalling section: the fence may be the one this section must signal.</summary>
    FenceWaitInSignallingSection,
}
