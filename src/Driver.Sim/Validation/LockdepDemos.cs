using System.Runtime.ExceptionServices;

using Driver.Core.Locking;

namespace Driver.Sim.Validation;

/// <summary>
/// Replays a known lockdep splat with real threads and real locks on a caller-supplied (private) validator, for
/// <c>gpusim lockdep --demo NAME</c>. The 2018 stop_machine splat is not replayed here from invented lock classes: it
/// comes from the driver's own paths (<see cref="StopMachineSplatDemo"/>), and so does the mixed reset-locking rules
/// cycle (<see cref="MixedResetRulesDemo"/>). The threads run one after another, so the deadlock each demo describes is
/// only ever possible, never real: lockdep reports it from the dependencies alone.
/// </summary>
public sealed class LockdepDemos
{
    /// <summary>Name of the fence wait under a reservation lock vs. signalling-path demo.</summary>
    public const string ReservationFenceWait = "reservation-fence-wait";

    private static readonly TimeSpan s_threadTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The demos <see cref="Run"/> knows.</summary>
    public IReadOnlyList<string> Names { get; } = [ReservationFenceWait];

    /// <summary>
    /// Runs demo <paramref name="name"/> on <paramref name="validator"/> (which it enables; pass a private one) and
    /// returns the report the demo is about, or null if none was produced. Throws <see cref="ArgumentException"/> for
    /// an unknown name and <see cref="TimeoutException"/> if a demo thread does not finish within 10 s.
    /// </summary>
    public LockdepReport? Run(string name, LockValidator validator)
    {
        ArgumentNullException.ThrowIfNull(validator);
        validator.Enabled = true;
        int before = validator.Reports.Count;
        switch (name)
        {
            case ReservationFenceWait:
                RunReservationFenceWait(validator);
                break;
            default:
                throw new ArgumentException($"unknown lockdep demo '{name}'; known: {string.Join(", ", Names)}", nameof(name));
        }

        IReadOnlyList<LockdepReport> reports = validator.Reports;
        LockdepReport? circular = null;
        for (int i = before; i < reports.Count; i++)
        {
            if (reports[i].Kind == LockdepReportKind.CircularDependency)
            {
                circular = reports[i];
                break;
            }
        }

        return circular ?? (reports.Count > before ? reports[before] : null);
    }

    /// <summary>
    /// A thread waits on a fence while holding a reservation lock; the reset path, inside a fence signalling section
    /// (it must signal that fence), takes the same reservation lock: lock → fence wait → signalling → lock.
    /// </summary>
    private static void RunReservationFenceWait(LockValidator v)
    {
        var reservation = new DriverMutex(v.Class("reservation_ww_class_mutex"));
        using var fenceSignalled = new ManualResetEventSlim(initialState: true);

        RunThread("fence_waiter", v, () => WaitForFenceUnderReservation(v, reservation, fenceSignalled));
        RunThread("i915_reset", v, () => ResetSignalsFences(v, reservation, fenceSignalled));
    }

    /// <summary>dma_resv_lock, then dma_fence_wait on a fence of that object.</summary>
    private static void WaitForFenceUnderReservation(LockValidator v, DriverMutex reservation, ManualResetEventSlim fence)
    {
        using (reservation.Acquire())
        {
            v.MightWaitOnFence();
            if (!fence.Wait(s_threadTimeout))
            {
                throw new TimeoutException("demo fence never signalled");
            }
        }
    }

    /// <summary>The reset path signals the hung requests' fences, and takes the reservation lock while doing so.</summary>
    private static void ResetSignalsFences(LockValidator v, DriverMutex reservation, ManualResetEventSlim fence)
    {
        bool cookie = v.BeginSignalling();
        try
        {
            using (reservation.Acquire())
            {
                fence.Set();
            }
        }
        finally
        {
            v.EndSignalling(cookie);
        }
    }

    /// <summary>Runs <paramref name="body"/> on a named thread that ends with ThreadExit, and waits (bounded) for it.</summary>
    private static void RunThread(string name, LockValidator v, Action body)
    {
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                body();
                v.ThreadExit();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            Name = name,
            IsBackground = true,
        };
        thread.Start();
        if (!thread.Join(s_threadTimeout))
        {
            throw new TimeoutException($"lockdep demo thread '{name}' did not finish within {s_threadTimeout.TotalSeconds} s");
        }

        failure?.Throw();
    }
}
