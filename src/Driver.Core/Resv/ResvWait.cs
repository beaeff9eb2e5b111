using System.Diagnostics;
using Driver.Core.Fences;

namespace Driver.Core.Resv;

/// <summary>
/// One blocked wait in the buffer-sharing paths, registered in <see cref="ResvWaits"/> while it lasts: who waits
/// (thread, device, kernel function), what it holds and what it waits for. The deadlock watchdog
/// (<see cref="ResvDeadlockWatchdog"/>) builds the waits-for graph from these.
/// </summary>
public sealed class ResvWait
{
    private int _brokenWith;

    internal ResvWait(ResvWaitKind kind, string device, string function, IReadOnlyList<DmaResv> held, DmaResv? wanted,
        DmaFence? fence, Func<DmaFence, bool>? signals, CancellationTokenSource? breaker)
    {
        Kind = kind;
        Device = device;
        Function = function;
        Held = held;
        Wanted = wanted;
        Fence = fence;
        Signals = signals;
        Breaker = breaker;
        Thread = Thread.CurrentThread;
        ThreadLabel = $"\"{Thread.CurrentThread.Name ?? "thread"}\"/{Environment.CurrentManagedThreadId}";
        Since = Stopwatch.GetTimestamp();
    }

    /// <summary>Fence or lock wait.</summary>
    public ResvWaitKind Kind { get; }

    /// <summary>The device whose driver waits (its configuration name).</summary>
    public string Device { get; }

    /// <summary>The kernel function that waits (i915_gem_object_wait, amdgpu_device_evict_resources…).</summary>
    public string Function { get; }

    /// <summary>Reservation locks the waiter holds while it waits.</summary>
    public IReadOnlyList<DmaResv> Held { get; }

    /// <summary>For a lock wait: the reservation it wants.</summary>
    public DmaResv? Wanted { get; }

    /// <summary>For a fence wait: the fence.</summary>
    public DmaFence? Fence { get; }

    /// <summary>
    /// For a waiter that is a device's recovery (inside its fence-signalling section): which fences it must signal
    /// (the device's own), so a fence waiter waits for it. Null for everyone else.
    /// </summary>
    public Func<DmaFence, bool>? Signals { get; }

    /// <summary>Cancels the wait (a fence wait the watchdog may break); null when it cannot be broken.</summary>
    public CancellationTokenSource? Breaker { get; }

    /// <summary>The waiting thread.</summary>
    public Thread Thread { get; }

    /// <summary>"name"/managed-id of the waiting thread.</summary>
    public string ThreadLabel { get; }

    /// <summary>Stopwatch timestamp of the start of the wait.</summary>
    public long Since { get; }

    /// <summary>The negative errno the watchdog broke the wait with, 0 while it was not broken.</summary>
    public int BrokenWith => Volatile.Read(ref _brokenWith);

    /// <summary>Breaks the wait with <paramref name="errno"/> (negative); false when it cannot be broken or already was.</summary>
    public bool Break(int errno)
    {
        if (Breaker is null || Interlocked.CompareExchange(ref _brokenWith, errno, 0) != 0)
        {
            return false;
        }

        // The errno is written before the cancellation that the waiter observes.
        Breaker.Cancel();
        return true;
    }
}
