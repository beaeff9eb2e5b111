using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Driver.Core.Errors;
using Driver.Core.Locking;
using Driver.Core.Sync;

namespace Driver.Core.Fences;

/// <summary>
/// A completion fence modeled on the kernel's <c>dma_fence</c>: pending, then signalled exactly once. An error
/// (negative errno) may be set only before the signal. Status reads 0 while pending, 1 when signalled without error,
/// the negative errno when signalled with one. Callbacks run after the signal, outside any fence-internal lock.
/// </summary>
/// <remarks>
/// State and error share one word (<see cref="_word"/>: <c>error &lt;&lt; 1 | signalledBit</c>) changed only by
/// compare-and-swap, so "error before signal" holds even when an error setter races the signaller: whichever CAS
/// loses re-reads the word and sees the other's result. Signalling a fence nobody waits on and nobody registered a
/// callback on is one CAS and one read; no lock, no allocation.
/// </remarks>
public class DmaFence
{
    private const int SignalledBit = 1;

    /// <summary>Bit in <see cref="_interest"/> meaning "a callback was registered at some point".</summary>
    private const int CallbackInterest = 1 << 24;

    /// <summary><c>error &lt;&lt; 1 | signalled</c>; only changed by CAS.</summary>
    private int _word;

    /// <summary>
    /// Number of blocked waiters plus <see cref="CallbackInterest"/>. Written with full barriers by waiters and callback
    /// adders before they check the state; read by <see cref="Signal"/> after its CAS (also a full barrier): the
    /// Dekker pattern guarantees one side sees the other, so a waiter is never left sleeping.
    /// </summary>
    private int _interest;

    /// <summary>Lock class shared by every fence's internal lock (the kernel's dma_fence->lock).</summary>
    private static readonly LockClass s_lockClass = Lockdep.Default.Class("dma_fence->lock");

    /// <summary>
    /// Lazily allocated monitor for waiters and the callback list (see <see cref="Sync"/>): fences nobody waits on
    /// never allocate one. A leaf lock: nothing else is taken while it is held, callbacks run after it is dropped.
    /// </summary>
    private DriverMonitor? _sync;

    /// <summary>Registered callbacks (LIFO list), guarded by <see cref="_sync"/>.</summary>
    private FenceCallback? _callbacks;

    /// <summary>
    /// The first waiter asleep on this fence, published so that a signaller may steer its wake-up onto its own CPU
    /// (<see cref="SteerWaiterWakeups"/>); guarded by <see cref="_sync"/>. Set and cleared by that waiter only, so
    /// a steer (made under the lock while it is set) is always followed by the waiter's restore.
    /// </summary>
    private WakeAffinity? _sleeper;

    /// <summary>Waiter wake-ups steered onto their signaller's CPU, by every fence.</summary>
    private static long s_steeredWaiterWakeups;

    /// <summary><see cref="Stopwatch.GetTimestamp"/> at the signal; 0 before.</summary>
    private long _signalTimestamp;

    /// <summary>
    /// Callback lists of fences signalled on this thread while it was already running callbacks: run by the outermost
    /// signaller once the callback in progress returns (see <see cref="NotifySlow"/>). Null until a thread first
    /// signals a fence that has callbacks; then one queue per thread, reused.
    /// </summary>
#pragma warning disable IDE1006 // thread-static fields are t_camelCase, which editorconfig cannot tell apart
    [ThreadStatic] private static DeferredCallbacks? t_deferred;

    /// <summary>Whether signals made on this thread steer their sleeping waiter's wake-up (<see cref="SteerWaiterWakeups"/>).</summary>
    [ThreadStatic] private static bool t_steerWaiters;
#pragma warning restore IDE1006

    /// <summary>
    /// Set by a signalling thread (an engine's, around its interrupt) when the waiters it is about to wake should be
    /// queued on its own CPU rather than placed by the scheduler: on an otherwise idle machine whose idle vCPUs halt,
    /// a waiter woken onto a halted vCPU waits tens of microseconds for the host to run it (see
    /// <see cref="WakeAffinity"/>). Only the first sleeping waiter of a fence is steered, and it widens its mask back
    /// as soon as it runs. Cleared by the same thread when its signalling is done.
    /// </summary>
    public static bool SteerWaiterWakeups
    {
        get => t_steerWaiters;
        set => t_steerWaiters = value;
    }

    /// <summary>How many sleeping waiters' wake-ups were steered onto their signaller's CPU, process-wide.</summary>
    public static long SteeredWaiterWakeups => Interlocked.Read(ref s_steeredWaiterWakeups);

    /// <summary>
    /// <see cref="Signal"/> calls refused because the fence had already signalled. Counted on that refusal path only,
    /// so the signal itself costs nothing more.
    /// </summary>
    private int _refusedSignals;

    /// <summary>Creates a pending fence on the given fence context and seqno.</summary>
    public DmaFence(ulong context = 0, uint seqno = 0)
    {
        FenceContext = context;
        Seqno = seqno;
    }

    /// <summary>
    /// dma_fence_context_alloc: <paramref name="num"/> new fence contexts, returning the first. Contexts are unique
    /// across the process (timelines, vgem fences), so fences of one context are ordered by seqno; 0 is never
    /// allocated and stands for "no context".
    /// </summary>
    public static ulong ContextAlloc(int num = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(num);
        return (ulong)Interlocked.Add(ref s_nextContext, num) - (ulong)num + 1;
    }

    private static long s_nextContext;

    /// <summary>Fence context (a timeline id, like <c>dma_fence.context</c>).</summary>
    public ulong FenceContext { get; protected set; }

    /// <summary>Sequence number on its context.</summary>
    public uint Seqno { get; protected set; }

    /// <summary>Whether the fence has signalled.</summary>
    public bool IsSignaled
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (Volatile.Read(ref _word) & SignalledBit) != 0;
    }

    /// <summary>The error (negative errno), or 0. May be read before the signal (it can still change then).</summary>
    public int Error => Volatile.Read(ref _word) >> 1;

    /// <summary>0 pending, 1 signalled without error, negative errno signalled with an error (dma_fence_get_status).</summary>
    public int Status
    {
        get
        {
            int w = Volatile.Read(ref _word);
            if ((w & SignalledBit) == 0)
            {
                return 0;
            }

            int error = w >> 1;
            return error != 0 ? error : 1;
        }
    }

    /// <summary>Signal time as a <see cref="Stopwatch"/> timestamp, 0 while pending.</summary>
    public long SignalTimestamp => Volatile.Read(ref _signalTimestamp);

    /// <summary>
    /// Calls to <see cref="Signal"/> so far: the one that signalled plus every one refused after it. The once-only rule
    /// absorbs a second completion of the same work, so a double completion shows only here: more than 1.
    /// </summary>
    public int SignalAttempts => (IsSignaled ? 1 : 0) + Volatile.Read(ref _refusedSignals);

    /// <summary>Threads blocked in <see cref="Wait(TimeSpan)"/> now (past their busywait, about to sleep or asleep).</summary>
    public int Waiters => Volatile.Read(ref _interest) & (CallbackInterest - 1);

    /// <summary>
    /// Sets the error. Refused (returns false, nothing changes) once the fence has signalled. <paramref name="error"/>
    /// must be a negative errno.
    /// </summary>
    public bool SetError(int error)
    {
        ValidateError(error);
        int old = Volatile.Read(ref _word);
        while (true)
        {
            if ((old & SignalledBit) != 0)
            {
                return false;
            }

            int seen = Interlocked.CompareExchange(ref _word, error << 1, old);
            if (seen == old)
            {
                return true;
            }

            old = seen;
        }
    }

    /// <summary>
    /// Sets the error unless a fatal one is already set (i915's <c>set_error_once</c>): a non-fatal error such as
    /// <c>-EAGAIN</c> may be replaced, a fatal one stays. Refused after the signal. Returns whether it changed.
    /// </summary>
    public bool SetErrorOnce(int error)
    {
        ValidateError(error);
        int old = Volatile.Read(ref _word);
        while (true)
        {
            if ((old & SignalledBit) != 0)
            {
                return false;
            }

            if (Errno.IsFatal(old >> 1))
            {
                return false;
            }

            int seen = Interlocked.CompareExchange(ref _word, error << 1, old);
            if (seen == old)
            {
                return true;
            }

            old = seen;
        }
    }

    /// <summary>
    /// Signals the fence: exactly once. A second call is refused, returns false and changes nothing. Wakes waiters and
    /// runs callbacks (on this thread, after the state change, outside the fence lock, in a signalling section).
    /// </summary>
    public bool Signal()
    {
        int old = Volatile.Read(ref _word);
        while (true)
        {
            if ((old & SignalledBit) != 0)
            {
                Interlocked.Increment(ref _refusedSignals);
                return false;
            }
            // Full barrier: orders the signalled bit before the read of _interest below. The other side is the
            // Interlocked on _interest in WaitSlow/AddCallback, which happens before their own read of _word.
            int seen = Interlocked.CompareExchange(ref _word, old | SignalledBit, old);
            if (seen == old)
            {
                break;
            }

            old = seen;
        }
        Volatile.Write(ref _signalTimestamp, Stopwatch.GetTimestamp());
        try
        {
            if (Volatile.Read(ref _interest) != 0)
            {
                NotifySlow();
            }
        }
        finally
        {
            // Even after a callback threw (rethrown once every callback ran): a request's own signal-time work
            // (its timeline slot, its execute-callback waiters) is part of the signal, not of a callback.
            OnSignaled();
        }

        return true;
    }

    /// <summary>
    /// Makes a signalled fence nobody holds pending again on a new context and seqno, for a slab that recycles its
    /// objects (<c>Request</c>'s pool, SLAB_TYPESAFE_BY_RCU). The caller owns the only reference: no waiter, no
    /// callback, no signaller can still be on it. The internal monitor is kept, so a recycled fence that was once
    /// waited on never allocates one again.
    /// </summary>
    protected void Reinitialize(ulong context, uint seqno)
    {
        Debug.Assert(IsSignaled, "a fence is recycled only after it signalled");
        Debug.Assert(Waiters == 0 && _callbacks is null && _sleeper is null, "a recycled fence still had waiters or callbacks");
        FenceContext = context;
        Seqno = seqno;
        _refusedSignals = 0;
        _signalTimestamp = 0;
        _interest = 0;
        // Last, with release semantics: whoever sees the fence pending again sees the fields above.
        Volatile.Write(ref _word, 0);
    }

    /// <summary>Hook for subclasses, run after waiters were woken and callbacks ran.</summary>
    protected virtual void OnSignaled() { }

    /// <summary>
    /// Registers a callback to run once the fence signals. Returns false if the fence has already signalled; the
    /// callback is then not registered and the caller handles completion itself (dma_fence_add_callback's -ENOENT).
    /// </summary>
    public bool AddCallback(FenceCallback callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (IsSignaled)
        {
            return false;
        }
        // Full barrier before re-reading the state under the lock: pairs with the CAS in Signal().
        Interlocked.Or(ref _interest, CallbackInterest);
        using (Sync.Acquire())
        {
            if (IsSignaled)
            {
                return false;
            }

            if (callback.Owner is not null)
            {
                throw new InvalidOperationException("callback node already queued on a fence");
            }

            callback.Owner = this;
            callback.Next = _callbacks;
            _callbacks = callback;
            return true;
        }
    }

    /// <summary>
    /// Callbacks registered and not yet run: the asynchronous waiters (requests awaiting this fence), for diagnostics.
    /// A snapshot under the fence lock.
    /// </summary>
    public int PendingCallbacks
    {
        get
        {
            if (Volatile.Read(ref _callbacks) is null)
            {
                return 0;
            }

            using (Sync.Acquire())
            {
                int n = 0;
                for (FenceCallback? c = _callbacks; c is not null; c = c.Next)
                {
                    n++;
                }

                return n;
            }
        }
    }

    /// <summary>Removes a registered callback that has not run yet. Returns false if it was not queued here.</summary>
    public bool RemoveCallback(FenceCallback callback)
    {
        if (_callbacks is null && Volatile.Read(ref _interest) == 0)
        {
            return false;
        }

        using (Sync.Acquire())
        {
            if (callback.Owner != this)
            {
                return false;
            }

            ref FenceCallback? link = ref _callbacks;
            while (link is not null)
            {
                if (link == callback)
                {
                    link = callback.Next;
                    callback.Next = null;
                    callback.Owner = null;
                    return true;
                }
                link = ref link.Next;
            }
            return false;
        }
    }

    /// <summary>
    /// Waits at most <paramref name="timeout"/> for the signal (<see cref="Timeout.InfiniteTimeSpan"/>: no limit, as
    /// for <see cref="WaitAsync"/>). Returns true when signalled (read <see cref="Status"/> for the outcome), false on
    /// timeout: a timeout is never reported as a fence error.
    /// </summary>
    public bool Wait(TimeSpan timeout)
    {
        Lockdep.MightWaitOnFence();
        if (IsSignaled)
        {
            return true;
        }

        return WaitSlow(timeout);
    }

    /// <summary>Milliseconds overload of <see cref="Wait(TimeSpan)"/>.</summary>
    public bool Wait(int timeoutMs) => Wait(TimeSpan.FromMilliseconds(timeoutMs));

    /// <summary>
    /// Asynchronous bounded wait: completes with true when signalled, false when <paramref name="timeout"/> elapsed.
    /// </summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Lockdep.MightWaitOnFence();
        if (IsSignaled)
        {
            return true;
        }

        var node = new TaskFenceCallback();
        if (!AddCallback(node))
        {
            return true;
        }

        try
        {
            await node.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return IsSignaled;
        }
        finally
        {
            RemoveCallback(node);
        }
    }

    /// <summary>
    /// CONFIG_DRM_I915_MAX_REQUEST_BUSYWAIT: 8 µs, how long a fence wait spins before it sleeps unless the fence says
    /// otherwise (<see cref="BusywaitNs"/>; a request uses its engine's max_busywait_duration_ns).
    /// </summary>
    public const long DefaultMaxBusywaitDurationNs = 8_000;

    /// <summary>
    /// How long a wait on this fence spins before it sleeps, in ns, read once per wait; 0 sleeps at once. A spinning
    /// waiter is not registered in <see cref="_interest"/>, so a signal that lands during the spin costs the
    /// signaller nothing and the waiter no wake-up.
    /// </summary>
    protected virtual long BusywaitNs => DefaultMaxBusywaitDurationNs;

    /// <summary>The calling thread's fence-wait counters since it started (see <see cref="FenceWaitCounters"/>).</summary>
    public static FenceWaitCounters CurrentThreadWaitCounters => new(t_busywaits, t_busywaitHits, t_sleeps);

#pragma warning disable IDE1006 // thread-static fields are t_camelCase, which editorconfig cannot tell apart
    [ThreadStatic] private static long t_busywaits;
    [ThreadStatic] private static long t_busywaitHits;
    [ThreadStatic] private static long t_sleeps;
#pragma warning restore IDE1006

    private bool WaitSlow(TimeSpan timeout)
    {
        long deadline = Deadline(timeout);
        // i915_request_wait: spin for the busywait first (__i915_spin_request), since a completion within it is seen
        // without the cost of a sleep and a wake-up; only then register as a waiter and sleep.
        long busywaitNs = BusywaitNs;
        if (busywaitNs > 0)
        {
            t_busywaits++;
            if (Busywait(busywaitNs, deadline))
            {
                t_busywaitHits++;
                return true;
            }
        }
        // Full barrier: publishes this waiter before the state check below; pairs with the CAS in Signal().
        Interlocked.Increment(ref _interest);
        WakeAffinity? steerable = null;
        try
        {
            using (Sync.Acquire())
            {
                try
                {
                    bool slept = false;
                    while (!IsSignaled)
                    {
                        long remaining = deadline - Stopwatch.GetTimestamp();
                        if (remaining <= 0)
                        {
                            return false;
                        }

                        if (!slept)
                        {
                            slept = true;
                            t_sleeps++;
                            // The first sleeper offers its wake-up for steering (NotifySlow, under this lock).
                            if (_sleeper is null)
                            {
                                steerable = WakeAffinity.ForCurrentThread();
                                _sleeper = steerable.Enabled ? steerable : null;
                            }
                        }
                        // In double: remaining * 1000 overflows a long for the far deadlines of very long waits.
                        int ms = (int)Math.Clamp(remaining * 1000.0 / Stopwatch.Frequency, 1, int.MaxValue);
                        Sync.Wait(ms);
                    }
                    return true;
                }
                finally
                {
                    // Withdrawn under the lock a steer is made under: no steer can come after this.
                    if (steerable is not null && ReferenceEquals(_sleeper, steerable))
                    {
                        _sleeper = null;
                    }
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _interest);
            // Outside the lock: a steer made while this waiter slept is undone before it goes on (a syscall, only
            // when one was made).
            steerable?.RestoreIfSteered();
        }
    }

    /// <summary>
    /// Spins until the fence signals, <paramref name="busywaitNs"/> pass or the wait's <paramref name="deadline"/>
    /// comes, whichever is first; true when it signalled. Yields now and then (SpinWait), as __i915_spin_request
    /// gives way on need_resched: on a machine with fewer cores than runnable threads the spinner must not keep the
    /// engine thread it waits for off the CPU.
    /// </summary>
    private bool Busywait(long busywaitNs, long deadline)
    {
        long now = Stopwatch.GetTimestamp();
        double ticks = busywaitNs * (double)Stopwatch.Frequency / 1e9;
        long end = ticks >= deadline - now ? deadline : now + (long)ticks;
        bool extended = false;
        var spin = new SpinWait();
        while (!IsSignaled)
        {
            long t = Stopwatch.GetTimestamp();
            if (t >= end)
            {
                // __i915_spin_request spins for a *running* request, its budget timed from when it runs (on hardware
                // that is at once; here the engine thread's wake-up comes first). A fence whose work began during the
                // budget gets the budget again from that moment, once, so the spin is never longer than twice it.
                long since = extended ? 0 : RunningSinceTimestamp;
                extended = true;
                if (since > 0 && since + (long)ticks > t)
                {
                    end = Math.Min(deadline, since + (long)ticks);
                    continue;
                }

                return false;
            }

            spin.SpinOnce(sleep1Threshold: -1);
        }
        return true;
    }

    /// <summary>
    /// The <see cref="Stopwatch"/> timestamp at which the fence's work began running, 0 while it has not (or for a
    /// fence without such a notion, the default): a busywait that runs out before it extends its budget from there
    /// (see <see cref="Busywait"/>).
    /// </summary>
    protected virtual long RunningSinceTimestamp => 0;

    /// <summary>
    /// The <see cref="Stopwatch"/> timestamp <paramref name="timeout"/> from now, saturated at <see cref="long.MaxValue"/>
    /// (which the wait loop never reaches): an infinite or huge timeout must not wrap into "already expired".
    /// </summary>
    private static long Deadline(TimeSpan timeout)
    {
        long now = Stopwatch.GetTimestamp();
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return long.MaxValue;
        }

        double ticks = Math.Max(0, timeout.TotalSeconds) * Stopwatch.Frequency;
        return ticks >= long.MaxValue - now ? long.MaxValue : now + (long)ticks;
    }

    private void NotifySlow()
    {
        FenceCallback? list;
        using (Sync.Acquire())
        {
            list = _callbacks;
            _callbacks = null;
            for (FenceCallback? n = list; n is not null; n = n.Next)
            {
                n.Owner = null;
            }

            // Under the lock, while the sleeper is still published: it withdraws (and then restores) under this lock.
            if (t_steerWaiters && _sleeper is { } sleeper && sleeper.SteerToCurrentCpu())
            {
                Interlocked.Increment(ref s_steeredWaiterWakeups);
            }

            Sync.PulseAll();
        }
        if (list is null)
        {
            return;
        }

        // Registration is LIFO; reverse so callbacks run in the order they were added.
        FenceCallback? ordered = null;
        while (list is not null)
        {
            FenceCallback? next = list.Next;
            list.Next = ordered;
            ordered = list;
            list = next;
        }

        RunCallbacks(ordered!);
    }

    /// <summary>
    /// Runs <paramref name="callback"/> (a single node, owned by the caller) as one of this fence's callbacks: now, when
    /// this thread is not already running callbacks, or else queued behind the ones in progress. For a subclass's
    /// own signal-time work that releases other fences' dependents (a request's execute callbacks, which in i915 run
    /// from irq_work rather than on the signaller's stack), so a chain of such releases stays as flat as a chain of
    /// callbacks.
    /// </summary>
    protected void RunAsCallback(FenceCallback callback)
    {
        Debug.Assert(callback.Next is null && callback.Owner is null, "RunAsCallback takes a node on no list");
        Debug.Assert(IsSignaled, "a fence's callbacks run once it has signalled");
        RunCallbacks(callback);
    }

    /// <summary>
    /// Runs a detached, ordered callback list of this fence: as the outermost signaller on this thread, or queued
    /// behind the callbacks it is already running.
    /// </summary>
    private void RunCallbacks(FenceCallback ordered)
    {
        // A callback may signal another fence (a dependency that submits, a nop handler that completes at once, a
        // merged fence), whose callbacks may signal the next one: run inline, a chain of N fences would nest N deep
        // and overflow the stack. Like the kernel, which signals from irq_work instead of the signaller's stack, a
        // fence signalled from inside a callback has its callbacks deferred: the outermost signaller on this thread
        // runs them, in signal order, once the callback in progress returns. The fence itself is already signalled
        // and its waiters woken; only its callbacks wait their turn, so the depth stays one whatever the chain.
        DeferredCallbacks deferred = t_deferred ??= new DeferredCallbacks();
        if (deferred.Running)
        {
            deferred.Queue.Enqueue((this, ordered));
            return;
        }

        // Callbacks run outside the lock (they may take other locks or signal other fences) and inside a
        // signalling section: a fence wait from a callback is a deadlock the lock validator reports.
        bool cookie = Lockdep.BeginSignalling();
        deferred.Running = true;
        ExceptionDispatchInfo? failure = null;
        try
        {
            Invoke(this, ordered, ref failure);
            while (deferred.Queue.TryDequeue(out (DmaFence Fence, FenceCallback? Callbacks) next))
            {
                Invoke(next.Fence, next.Callbacks, ref failure);
            }
        }
        finally
        {
            deferred.Running = false;
            Lockdep.EndSignalling(cookie);
        }

        // A callback that threw is a driver bug, reported to the signaller; but only after every other callback ran,
        // this list's and the deferred ones', or their fences' dependents would never hear of the signal.
        failure?.Throw();
    }

    /// <summary>
    /// Runs a detached, ordered callback list of <paramref name="fence"/>, every node even if one throws: the first
    /// exception is kept in <paramref name="failure"/> for the outermost signaller to rethrow.
    /// </summary>
    private static void Invoke(DmaFence fence, FenceCallback? ordered, ref ExceptionDispatchInfo? failure)
    {
        while (ordered is not null)
        {
            FenceCallback? next = ordered.Next;
            ordered.Next = null;
            try
            {
                ordered.Invoke(fence);
            }
            catch (Exception e)
            {
                failure ??= ExceptionDispatchInfo.Capture(e);
            }

            ordered = next;
        }
    }

    /// <summary>
    /// Builds the waiters' monitor now rather than at the first sleeping waiter: for a fence that is recycled (a
    /// request of the slab), so a wait that sleeps on it later, whenever the machine's load makes waits sleep, does
    /// not allocate on the steady-state path. The monitor is kept across recycling (<see cref="_sync"/> is never
    /// cleared).
    /// </summary>
    protected void PreallocateSync() => _ = Sync;

    private DriverMonitor Sync
    {
        get
        {
            DriverMonitor? s = Volatile.Read(ref _sync);
            if (s is not null)
            {
                return s;
            }

            Interlocked.CompareExchange(ref _sync, new DriverMonitor(s_lockClass), null);
            return _sync!;
        }
    }

    private static void ValidateError(int error)
    {
        if (error >= 0 || error < -4095)
        {
            throw new ArgumentOutOfRangeException(nameof(error), error, "a fence error is a negative errno");
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"fence {FenceContext}:{Seqno} status {Status}";

    /// <summary>A thread's deferred callback lists (<see cref="t_deferred"/>).</summary>
    private sealed class DeferredCallbacks
    {
        /// <summary>Whether this thread is running callbacks now (an outermost <see cref="NotifySlow"/> is active).</summary>
        public bool Running;

        /// <summary>Callback lists waiting for the outermost signaller, in signal order.</summary>
        public readonly Queue<(DmaFence Fence, FenceCallback? Callbacks)> Queue = new();
    }

    private sealed class TaskFenceCallback : FenceCallback
    {
        private readonly TaskCompletionSource _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task Task => _tcs.Task;
        public override void Invoke(DmaFence fence) => _tcs.TrySetResult();
    }
}
