using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Driver.Core.Sync;

/// <summary>
/// Steers a sleeping thread's next wake-up onto the CPU of the thread that wakes it: an idle engine's thread onto its
/// submitter's CPU, the way i915's submission work runs on the submitting CPU (the execlists tasklet is per-CPU: it
/// runs where it was scheduled), and a fence waiter onto the CPU of the engine that signals it, the way the waiter of
/// a request on hardware is woken by an interrupt taken on whatever CPU is awake.
/// </summary>
/// <remarks>
/// <para>Why: on a virtual machine whose idle vCPUs halt, the scheduler wakes a thread onto an idle (halted) vCPU
/// when it has one, and leaving halt costs the host a VM entry: measured on the 2-vCPU dev machine with a C futex
/// ping (a sleeper idle 200 µs, woken by a spinning waker), 40 µs to the wakee running, against 8 µs when the wakee
/// is queued on the waker's own CPU (docs/benchmarks.md, "Where the sleeping engine's wake-up lands"). Linux has no
/// futex flag asking for that placement (pipes' sync wake-ups still prefer an idle CPU), so the waker narrows the
/// sleeper's affinity to its own CPU just before waking it, and the sleeper widens it back to its home mask as soon
/// as it runs.</para>
/// <para>Only wake-ups onto what is likely an idle machine pay for this (two sched_setaffinity calls): the engine's
/// doorbell steers only on an idle GT, and an engine steers a fence waiter only when it has nothing more queued (see
/// <c>ExeclistsEngine</c>). A waker that narrows just as the sleeper wakes for another reason leaves it narrowed
/// until the sleeper's next <see cref="RestoreIfSteered"/>, which each kind of sleeper runs on its way out of every
/// sleep (the engine also on its way in, and before every request it executes).</para>
/// <para>Linux only; elsewhere, or where libc lacks the calls, it does nothing.</para>
/// </remarks>
public sealed unsafe partial class WakeAffinity
{
    /// <summary>cpu_set_t: 1024 bits.</summary>
    private const int MaskWords = 16;

    private readonly ulong[] _home = new ulong[MaskWords];

    /// <summary>The sleeper's kernel thread id; 0 until <see cref="Register"/> ran on it, and when unsupported.</summary>
    private int _tid;

    /// <summary>
    /// 1 once a waker narrowed the sleeper's mask and the sleeper has not yet widened it back. Written by wakers after
    /// they narrow, exchanged by the sleeper before it widens: a narrowing is always followed by a widening.
    /// </summary>
    private int _steered;

    private long _steers;

#pragma warning disable IDE1006 // thread-static fields are t_camelCase, which editorconfig cannot tell apart
    [ThreadStatic] private static WakeAffinity? t_current;
#pragma warning restore IDE1006

    /// <summary>
    /// The calling thread's own instance, registered on first use (two syscalls and one allocation per thread, once):
    /// what a thread about to sleep on a fence publishes so that the signaller can steer its wake-up.
    /// </summary>
    public static WakeAffinity ForCurrentThread()
    {
        WakeAffinity? current = t_current;
        if (current is null)
        {
            current = new WakeAffinity();
            current.Register();
            t_current = current;
        }

        return current;
    }

    /// <summary>How many wake-ups were steered.</summary>
    public long Steers => Interlocked.Read(ref _steers);

    /// <summary>The registered sleeper's kernel thread id (0 when none), for tests that read its mask from /proc.</summary>
    public int ThreadIdForTest => Volatile.Read(ref _tid);

    /// <summary>Whether <see cref="Register"/> found the calls it needs.</summary>
    public bool Enabled => Volatile.Read(ref _tid) != 0;

    /// <summary>The sleeper thread, once, at its start: records its id and its home mask.</summary>
    public void Register()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            int tid = GetTid();
            fixed (ulong* mask = _home)
            {
                // Setting its own mask to what it is binds sched_setaffinity now, so the first steer (on a
                // submitter's hot path) does not pay, or allocate for, resolving the export.
                if (SchedGetAffinity(0, MaskWords * sizeof(ulong), mask) != 0
                    || SchedSetAffinity(0, MaskWords * sizeof(ulong), mask) != 0)
                {
                    return;
                }
            }

            _ = SchedGetCpu();

            Volatile.Write(ref _tid, tid);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // An unusual libc: wake-ups stay where the scheduler puts them.
        }
    }

    /// <summary>
    /// A waker, just before it wakes the sleeper: narrows the sleeper's affinity to the waker's current CPU, when that
    /// CPU is one the sleeper may use at all.
    /// </summary>
    /// <returns>Whether the sleeper's mask was narrowed.</returns>
    public bool SteerToCurrentCpu()
    {
        int tid = Volatile.Read(ref _tid);
        if (tid == 0)
        {
            return false;
        }

        // The CPU this thread is on now: sched_getcpu (vDSO), not Thread.GetCurrentProcessorId, which the runtime
        // caches per thread and refreshes only now and then, so after a migration it names the CPU the thread left.
        int cpu = SchedGetCpu();
        if ((uint)cpu >= MaskWords * 64 || (_home[cpu >> 6] & (1UL << (cpu & 63))) == 0)
        {
            return false;
        }

        ulong* one = stackalloc ulong[MaskWords];
        new Span<ulong>(one, MaskWords).Clear();
        one[cpu >> 6] = 1UL << (cpu & 63);
        if (SchedSetAffinity(tid, MaskWords * sizeof(ulong), one) != 0)
        {
            return false;
        }

        Interlocked.Increment(ref _steers);
        // After the narrowing: the sleeper that sees 1 widens a mask that is already narrow.
        Volatile.Write(ref _steered, 1);
        return true;
    }

    /// <summary>The sleeper, on its way into and out of a sleep: widens its mask back if a waker narrowed it.</summary>
    public void RestoreIfSteered()
    {
        if (Volatile.Read(ref _steered) == 0 || Interlocked.Exchange(ref _steered, 0) == 0)
        {
            return;
        }

        Debug.Assert(Volatile.Read(ref _tid) != 0, "steered without a registered sleeper");
        fixed (ulong* mask = _home)
        {
            _ = SchedSetAffinity(0, MaskWords * sizeof(ulong), mask);
        }
    }

    [LibraryImport("libc", EntryPoint = "sched_getcpu")]
    private static partial int SchedGetCpu();

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "sched_getaffinity")]
    private static partial int SchedGetAffinity(int pid, nuint size, ulong* mask);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity")]
    private static partial int SchedSetAffinity(int pid, nuint size, ulong* mask);
}
