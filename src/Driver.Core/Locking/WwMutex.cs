using System.Diagnostics;
using Driver.Core.Errors;

namespace Driver.Core.Locking;

/// <summary>
/// A wound/wait mutex (the kernel's struct ww_mutex): a sleeping mutex whose lockers, when they pass an
/// <see cref="WwAcquireContext"/>, may take many mutexes of one <see cref="WwClass"/> in any order without
/// deadlock: the older context wins, a younger one gets -EDEADLK, drops everything it holds and retries, first
/// sleeping on the contended mutex with <see cref="LockSlow"/>. Without a context it is a plain mutex.
/// </summary>
/// <remarks>
/// The validator sees one lock class for all mutexes of the class. Taken in a context, a mutex is acquired with
/// the context as nest lock (mutex_acquire_nest), so any number of them held together in one context is neither
/// recursion nor a dependency between instances; taken without a context while another of the class is held, it
/// is reported as recursive locking, as the kernel's lockdep does.
/// </remarks>
public sealed class WwMutex
{
    // Owner thread and context; written under Class.Sync, read without it only by the owner (its own writes) or
    // as a hint (IsLocked, Context).
    private Thread? _owner;
    private WwAcquireContext? _ctx;

    /// <summary>Creates an unlocked mutex of <paramref name="cls"/> (ww_mutex_init).</summary>
    public WwMutex(WwClass cls)
    {
        ArgumentNullException.ThrowIfNull(cls);
        Class = cls;
    }

    /// <summary>The ww class.</summary>
    public WwClass Class { get; }

    /// <summary>Whether some thread holds the mutex (a snapshot).</summary>
    public bool IsLocked => Volatile.Read(ref _owner) is not null;

    /// <summary>True when the calling thread holds the mutex.</summary>
    public bool IsHeldByCurrentThread => ReferenceEquals(Volatile.Read(ref _owner), Thread.CurrentThread);

    /// <summary>The owner thread (a snapshot, for deadlock reports); null when free.</summary>
    public Thread? Owner => Volatile.Read(ref _owner);

    /// <summary>The context it is held in (ww->ctx); null when free or held without one.</summary>
    public WwAcquireContext? Context => Volatile.Read(ref _ctx);

    /// <summary>
    /// ww_mutex_lock: 0 when acquired; -EALREADY when <paramref name="ctx"/> already holds it; -EDEADLK when an older
    /// context holds (wait-die) or wants (wound-wait) what this one holds: unlock everything, then
    /// <see cref="LockSlow"/> this mutex. With a null context it is mutex_lock and returns 0.
    /// </summary>
    public int Lock(WwAcquireContext? ctx) => LockCommon(ctx, slow: false, CancellationToken.None);

    /// <summary>
    /// ww_mutex_lock_interruptible: as <see cref="Lock"/>, and -EINTR when <paramref name="cancel"/> fires while it
    /// waits (the simulator's signal; a cancelled token with the mutex free still acquires it, as a pending signal
    /// does not stop an uncontended kernel lock).
    /// </summary>
    public int LockInterruptible(WwAcquireContext? ctx, CancellationToken cancel) => LockCommon(ctx, slow: false, cancel);

    /// <summary>
    /// ww_mutex_lock_slow: after -EDEADLK, with nothing held in <paramref name="ctx"/>, sleeps until the contended
    /// mutex is free and takes it. Cannot fail: a context that holds nothing never has to back off.
    /// </summary>
    public void LockSlow(WwAcquireContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        int err = LockCommon(ctx, slow: true, CancellationToken.None);
        Debug.Assert(err == 0, $"ww_mutex_lock_slow failed with {err}");
    }

    /// <summary>ww_mutex_lock_slow_interruptible: <see cref="LockSlow"/>, or -EINTR when <paramref name="cancel"/> fires while it waits.</summary>
    public int LockSlowInterruptible(WwAcquireContext ctx, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        return LockCommon(ctx, slow: true, cancel);
    }

    /// <summary>ww_mutex_trylock: takes the mutex if it is free, in <paramref name="ctx"/> when given; never waits, never backs off.</summary>
    public bool TryLock(WwAcquireContext? ctx = null)
    {
        CheckContext(ctx, slow: false);
        lock (Class.Sync)
        {
            if (_owner is not null)
            {
                return false;
            }

            if (ctx is not null && ctx.Acquired == 0)
            {
                ctx.IsWounded = false;
            }

            SetOwner(ctx);
        }

        LockValidator v = Class.MutexClass.Validator;
        if (v.Enabled)
        {
            if (ctx is not null)
            {
                v.OnTryAcquiredNested(Class.MutexClass.Node0, this, ctx);
            }
            else
            {
                v.OnTryAcquired(Class.MutexClass.Node0, this, AcquireKind.Exclusive);
            }
        }

        return true;
    }

    /// <summary>ww_mutex_unlock: releases the mutex (and its place in its context). Only the owner may unlock.</summary>
    public void Unlock()
    {
        LockValidator v = Class.MutexClass.Validator;
        if (!IsHeldByCurrentThread)
        {
            if (v.Enabled)
            {
                v.ReportBadUnlock(Class.MutexClass.Node0);
            }

            throw new SynchronizationLockException($"ww_mutex of class '{Class.Name}' is not held by this thread.");
        }

        WwAcquireContext? ctx = _ctx;
        if (v.Enabled)
        {
            // False only for a lock taken while validation was off: nothing to release then.
            _ = ctx is not null ? v.OnReleaseNested(this, Class.MutexClass.Node0) : v.OnRelease(this);
        }

        lock (Class.Sync)
        {
            if (ctx is not null)
            {
                ctx.Acquired--;
                Volatile.Write(ref _ctx, null);
            }

            Volatile.Write(ref _owner, null);
            if (Class.Waiters > 0)
            {
                Monitor.PulseAll(Class.Sync);
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Class.Name} mutex" + (Context is { } c ? $" held by {c}" : "");

    private int LockCommon(WwAcquireContext? ctx, bool slow, CancellationToken cancel)
    {
        CheckContext(ctx, slow);
        // __ww_mutex_lock: -EALREADY before anything else, lockdep included. Only this thread sets _ctx to its own
        // context and only it clears it, so the unlocked read is exact for this comparison.
        if (ctx is not null && ReferenceEquals(Volatile.Read(ref _ctx), ctx))
        {
            return -Errno.EALREADY;
        }

        LockValidator v = Class.MutexClass.Validator;
        bool tracked = v.Enabled;
        if (tracked)
        {
            // Validated before sleeping, as lock_acquire is: a ww lock outside a context while another of the class is
            // held is reported here (recursive locking), before it can deadlock.
            if (ctx is not null)
            {
                v.OnAcquireNested(Class.MutexClass.Node0, this, ctx);
            }
            else
            {
                v.OnAcquire(Class.MutexClass.Node0, this, AcquireKind.Exclusive);
            }
        }

        int err;
        try
        {
            if (ctx is null && IsHeldByCurrentThread)
            {
                throw new LockRecursionException($"ww_mutex of class '{Class.Name}' is already held by this thread (a kernel mutex would self-deadlock).");
            }

            // A cancellation must wake the sleeper to make it see the token; registered outside the wait lock, since
            // an already-cancelled token runs the callback (which takes that lock) right here.
            using CancellationTokenRegistration reg = cancel.CanBeCanceled ? cancel.Register(Class.WakeAll) : default;
            err = Acquire(ctx, cancel);
        }
        catch
        {
            if (tracked)
            {
                Untrack(v, ctx);
            }

            throw;
        }

        if (err != 0 && tracked)
        {
            Untrack(v, ctx);
        }

        return err;
    }

    private int Acquire(WwAcquireContext? ctx, CancellationToken cancel)
    {
        lock (Class.Sync)
        {
            // "Reset the wounded flag after a kill": a context holding nothing cannot be wounded by anyone.
            if (ctx is not null && ctx.Acquired == 0)
            {
                ctx.IsWounded = false;
            }

            while (_owner is not null)
            {
                if (ctx is not null)
                {
                    if (MustBackOff(ctx))
                    {
                        ctx.ContendingLock = this;
                        return -Errno.EDEADLK;
                    }

                    WoundHolder(ctx);
                }

                if (cancel.IsCancellationRequested)
                {
                    return -Errno.EINTR;
                }

                // Woken by every unlock, wound and cancellation of the class; each re-checks the holder, which may have
                // changed to an older one meanwhile.
                Class.Waiters++;
                try
                {
                    Monitor.Wait(Class.Sync);
                }
                finally
                {
                    Class.Waiters--;
                }
            }

            SetOwner(ctx);
            return 0;
        }
    }

    /// <summary>
    /// __ww_mutex_check_kill: a context that holds nothing waits (it closes no cycle). Otherwise wait-die backs off
    /// when the holder is older; wound-wait when this context was wounded.
    /// </summary>
    private bool MustBackOff(WwAcquireContext ctx)
    {
        if (ctx.Acquired == 0)
        {
            return false;
        }

        return Class.IsWaitDie ? _ctx is { } hold && hold.Stamp < ctx.Stamp : ctx.IsWounded;
    }

    /// <summary>
    /// __ww_mutex_wound: wound-wait only. An older context that holds something and must wait for a younger holder
    /// wounds it and wakes it wherever it sleeps; the younger backs off at its next wait.
    /// </summary>
    private void WoundHolder(WwAcquireContext ctx)
    {
        if (Class.IsWaitDie || _ctx is not { } hold || ctx.Acquired == 0 || hold.Stamp <= ctx.Stamp || hold.IsWounded)
        {
            return;
        }

        hold.IsWounded = true;
        if (Class.Waiters > 0)
        {
            Monitor.PulseAll(Class.Sync);
        }
    }

    /// <summary>ww_mutex_lock_acquired, under the wait lock.</summary>
    private void SetOwner(WwAcquireContext? ctx)
    {
        if (ctx is null)
        {
            Volatile.Write(ref _owner, Thread.CurrentThread);
            return;
        }

        // Checked before the mutex changes hands, so a failed check leaves it free.
        if (ctx.ContendingLock is { } contending)
        {
            Debug.Assert(ReferenceEquals(contending, this), "after -EDEADLK a different ww_mutex was taken before the contended one");
            Debug.Assert(ctx.Acquired == 0, "after -EDEADLK the contended ww_mutex was taken without unlocking everything first");
            ctx.ContendingLock = null;
        }

        Volatile.Write(ref _owner, Thread.CurrentThread);
        ctx.Acquired++;
        Volatile.Write(ref _ctx, ctx);
    }

    private void CheckContext(WwAcquireContext? ctx, bool slow)
    {
        if (ctx is null)
        {
            return;
        }

        Debug.Assert(ReferenceEquals(ctx.Class, Class), "ww_mutex taken in an acquire context of another ww_class");
        Debug.Assert(!ctx.IsDone, "ww_mutex taken after ww_acquire_done");
        Debug.Assert(!ctx.IsFinished, "ww_mutex taken in a finished acquire context");
        Debug.Assert(ctx.IsOwnedByCurrentThread, "ww_mutex taken in another thread's acquire context");
        if (slow)
        {
            Debug.Assert(ctx.Acquired == 0, "ww_mutex_lock_slow with ww_mutexes still held in the context");
            Debug.Assert(ctx.ContendingLock is null || ReferenceEquals(ctx.ContendingLock, this),
                "ww_mutex_lock_slow on another mutex than the one that returned -EDEADLK");
        }
    }

    private void Untrack(LockValidator v, WwAcquireContext? ctx) =>
        _ = ctx is not null ? v.OnReleaseNested(this, Class.MutexClass.Node0) : v.OnRelease(this);
}
