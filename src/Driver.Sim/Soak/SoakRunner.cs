using System.Diagnostics;
using Driver.Core.Locking;
using Driver.Engines.Gt;
using Driver.Reset.Events;
using Driver.Reset.Mmap;
using Driver.Sim.Progress;
using Driver.Uapi;

namespace Driver.Sim.Soak;

/// <summary>
/// Runs a soak: submitting threads storing verifiable values on every engine while an injector hangs engines
/// (non-preemptible and invalid-CS spinners), forces engine and full resets and now and then wedges and unwedges the
/// device; then a bounded drain and the invariant check (see <see cref="SoakResult.Passed"/>). The main thread watches
/// the steady phase: the deadlock watchdog and the managed heap.
/// </summary>
public sealed class SoakRunner(SoakOptions options)
{
    /// <summary>How often the main thread samples the watchdog during the steady phase.</summary>
    private static readonly TimeSpan s_watchPeriod = TimeSpan.FromMilliseconds(200);

    /// <summary>Runs the soak; throws only when the soak's own threads fail.</summary>
    public SoakResult Run()
    {
        bool lockdepWas = Lockdep.Enabled;
        long lockdepReports = 0;
        void OnReport(LockdepReport _) => Interlocked.Increment(ref lockdepReports);
        if (options.Lockdep)
        {
            Lockdep.Enabled = true;
            Lockdep.Default.ReportAdded += OnReport;
        }

        try
        {
            return RunOnDevice(() => Interlocked.Read(ref lockdepReports));
        }
        finally
        {
            if (options.Lockdep)
            {
                Lockdep.Default.ReportAdded -= OnReport;
                Lockdep.Enabled = lockdepWas;
            }
        }
    }

    private SoakResult RunOnDevice(Func<long> lockdepReports)
    {
        // The revoke policy: a full reset revokes every GTT mmap and the next access faults it back (no glitches).
        DeviceConfig config = DeviceConfig.Fast(options.WedgeStrategy) with { MmapResetPolicy = MmapResetPolicy.Revoke };
        // Half of the 2018 splat under the stop-machine wedge (stop_machine() inside the reset); a process that also ran
        // the stop-machine mmap policy (a test process) has the other half: that cycle is expected, nothing else.
        config.ExpectKnownSplats();

        var device = new GpuDevice(config, options.Log);
        bool tornDown = false;
        try
        {
            SoakResult result = RunSoak(device, lockdepReports, out bool stuck);
            // A thread that never stopped may still be inside the driver: disposing the device under it would turn a
            // deadlock report into a crash, so the device is left to it (the caller may dispose it later).
            if (stuck)
            {
                return result with { Abandoned = device };
            }

            tornDown = true;
            return result;
        }
        finally
        {
            if (tornDown)
            {
                device.Dispose();
            }
        }
    }

    private SoakResult RunSoak(GpuDevice device, Func<long> lockdepReports, out bool stuck)
    {
        options.Trace?.AttachTo(device);
        var audit = new SoakAudit();
        long stopAt = Stopwatch.GetTimestamp() + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);
        CancellationToken cancel = options.Stop;
        // The watchdog stops the soak early on a deadlock; Ctrl-C (options.Stop) does too.
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        CancellationToken aborted = abort.Token;
        Func<bool> stop = () => aborted.IsCancellationRequested || Stopwatch.GetTimestamp() >= stopAt;

        SoakSubmitter[] submitters = Enumerable.Range(0, Math.Max(1, options.Threads))
            .Select(i => new SoakSubmitter(device, audit, i, options.Seed, stop, options)).ToArray();
        var injector = new SoakInjector(device, audit, options.Seed, stop);
        var mmapUser = new SoakMmapUser(device, audit, stop);
        options.Progress?.Begin(device);
        options.Progress?.SetLabel("soak");
        var clock = Stopwatch.StartNew();
        foreach (SoakSubmitter s in submitters)
        {
            s.Start();
        }

        injector.Start();
        mmapUser.Start();

        // Steady phase: the main thread watches. Progress is any watched fence signalling or any request completing;
        // outstanding work is watched fences not yet signalled.
        var watchdog = new SoakWatchdog(options.WatchdogBound,
            () => audit.Signalled + DeviceCounters.RequestsDone(device),
            () => audit.Watched - audit.Signalled);
        string? stateAtDeadlock = null;
        // The heap is measured once the soak has warmed up (JIT, pools, the validator's graph), then just before the
        // stop: a tenth of the run, at most 10 s.
        long heapAt = clock.ElapsedTicks + (long)(Math.Min(options.Duration.TotalSeconds / 10, 10) * Stopwatch.Frequency);
        long? heapStart = null, heapEnd = null;
        long stopMargin = (long)(s_watchPeriod.TotalSeconds * 2 * Stopwatch.Frequency);
        while (!stop())
        {
            aborted.WaitHandle.WaitOne(s_watchPeriod);
            long now = Stopwatch.GetTimestamp();
            if (heapStart is null && clock.ElapsedTicks >= heapAt)
            {
                heapStart = SteadyHeap();
            }
            else if (heapStart is not null && heapEnd is null && stopAt - now <= stopMargin)
            {
                heapEnd = SteadyHeap();
            }

            if (stateAtDeadlock is null && watchdog.Stalled(now))
            {
                stateAtDeadlock = SoakStateDump.Describe(device);
                audit.Deadlock($"no fence signalled and no request completed for {watchdog.SecondsStalled(now):0.0} s " +
                    $"with {audit.Watched - audit.Signalled} fences outstanding (bound {options.WatchdogBound.TotalSeconds:0.#} s)");
                abort.Cancel();
            }
        }

        // Every bound from here on counts from the stop request, however long the soak ran.
        long joinDeadline = Stopwatch.GetTimestamp() + (long)(options.JoinBound.TotalSeconds * Stopwatch.Frequency);
        var running = new List<string>();
        foreach (SoakSubmitter s in submitters)
        {
            if (!s.Join(Remaining(joinDeadline)))
            {
                running.Add(s.Name);
            }
        }

        if (!injector.Join(Remaining(joinDeadline)))
        {
            running.Add("soak-injector");
        }

        if (!mmapUser.Join(Remaining(joinDeadline)))
        {
            running.Add(mmapUser.Name);
        }

        double seconds = clock.Elapsed.TotalSeconds;
        stuck = running.Count > 0;
        if (stuck)
        {
            // A thread that does not stop is stuck in the driver (or the soak): report it with the device's state and
            // leave everything as it is. Verifying or closing clients now would race with it.
            stateAtDeadlock ??= SoakStateDump.Describe(device);
            audit.Deadlock($"{string.Join(", ", running)} did not finish within {options.JoinBound.TotalSeconds:0.#} s of the stop request; " +
                "nothing was verified or torn down");
            options.Trace?.Detach();
            return Result(device, audit, injector, mmapUser, submitters.Length, seconds, 0, lockdepReports(), heapStart, heapEnd, stateAtDeadlock,
                cancel.IsCancellationRequested);
        }

        // Drain: end what still spins, bring the device back, wait for everything with one bound, check it all.
        options.Progress?.SetLabel("drain");
        injector.EndSpinners();
        // Nothing hangs any more: intel_gt_unset_wedged must bring the device back (IGT's gem_eio requires it after
        // every wedge). A device that stays wedged is recovery broken, whatever the fences say.
        if (device.IsWedged && !device.Unwedge())
        {
            audit.Violation("the device is still wedged after the drain: the unwedge (intel_gt_unset_wedged) failed with nothing " +
                "left hanging, recovery left it unusable");
        }

        var drain = Stopwatch.StartNew();
        long deadline = Stopwatch.GetTimestamp() + (long)(options.DrainTimeout.TotalSeconds * Stopwatch.Frequency);
        SoakRound[] deferred = submitters.SelectMany(s => s.Deferred).ToArray();
        foreach (SoakRound round in deferred)
        {
            round.Wait(deadline);
        }

        foreach (SoakFence f in injector.SpinnerFences.Concat(submitters.SelectMany(s => s.Orphans)))
        {
            f.Fence.Wait(Remaining(deadline));
        }

        double drainSeconds = drain.Elapsed.TotalSeconds;
        options.Trace?.Detach();

        options.Progress?.SetLabel("verify");
        foreach (SoakRound round in deferred)
        {
            round.Verify();
        }

        foreach (SoakFence f in injector.SpinnerFences.Concat(submitters.SelectMany(s => s.Orphans)))
        {
            audit.CheckFence(f);
        }

        injector.Release();
        mmapUser.Close();
        foreach (SoakSubmitter s in submitters)
        {
            s.CloseClients();
        }

        Exception[] failures = submitters.Select(s => s.Failure).Append(injector.Failure).Append(mmapUser.Failure).OfType<Exception>().ToArray();
        if (failures.Length > 0)
        {
            throw new AggregateException("soak threads failed", failures);
        }

        // A soak that checked no store put the invariant to no test: every round refused (a device stuck wedged, a
        // ban on everything) or failed is a finding, not a pass. Only a soak stopped early (Ctrl-C, exit 130 anyway)
        // may have got no round through.
        if (audit.StoresVerified == 0 && !cancel.IsCancellationRequested)
        {
            string refused = audit.Rejected.Count == 0 ? "none" : string.Join(", ", audit.Rejected.Select(kv => $"{kv.Key} {kv.Value}"));
            audit.Violation($"the soak verified no store in {seconds:0.##} s ({audit.Batches} batches submitted, execbufs refused: {refused}): " +
                "nothing was put to the test (too short a soak, or every round refused or failed)");
        }

        return Result(device, audit, injector, mmapUser, submitters.Length, seconds, drainSeconds, lockdepReports(), heapStart, heapEnd, stateAtDeadlock,
            cancel.IsCancellationRequested);
    }

    private SoakResult Result(GpuDevice device, SoakAudit audit, SoakInjector injector, SoakMmapUser mmapUser, int threads, double seconds, double drainSeconds,
        long lockdepReports, long? heapStart, long? heapEnd, string? stateAtDeadlock, bool interrupted)
    {
        if (lockdepReports > 0)
        {
            audit.Violation($"the lock validator reported {lockdepReports} problem(s)");
        }

        GpuEventStream events = device.Reset.Events;
        return new SoakResult
        {
            Seed = options.Seed,
            Threads = threads,
            WedgeStrategy = options.WedgeStrategy == WedgeStrategy.StopMachine ? "stop-machine" : "epoch",
            Seconds = Math.Round(seconds, 3),
            DrainSeconds = Math.Round(drainSeconds, 3),
            Batches = audit.Batches,
            Spinners = audit.Spinners,
            Refused = audit.Rejected,
            Statuses = audit.Statuses,
            Unsignaled = audit.Unsignaled,
            StoresVerified = audit.StoresVerified,
            StoresMismatched = audit.StoresMismatched,
            StoresStray = audit.StoresStray,
            StoresSkipped = audit.StoresSkipped,
            Hangs = events.Count(GpuEventKind.Error),
            EngineResets = device.Reset.TotalEngineResets,
            FullResets = device.Reset.ResetCount,
            FailedResets = device.Reset.FailedResets,
            Wedges = device.Reset.WedgeCount,
            ContextsBanned = events.Count(GpuEventKind.ContextBanned),
            ClientsBanned = events.Count(GpuEventKind.ClientBanned),
            WedgedAtEnd = device.IsWedged,
            Injected = injector.Counts.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value),
            Violations = audit.Violations,
            ViolationSamples = audit.Samples,
            LostFences = audit.Unsignaled,
            Deadlocks = audit.Deadlocks,
            LockdepReports = lockdepReports,
            MmapAccesses = mmapUser.Accesses,
            MmapWedgeGlitchedPasses = mmapUser.WedgeGlitchedPasses,
            HeapGrowthBytes = heapStart is { } a && heapEnd is { } b ? b - a : null,
            DeadlockState = stateAtDeadlock,
            Interrupted = interrupted,
        };
    }

    /// <summary>The managed heap after full, compacting collections (what the steady state really keeps alive).</summary>
    private static long SteadyHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static TimeSpan Remaining(long deadline) =>
        TimeSpan.FromSeconds(Math.Max(0, deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
}
