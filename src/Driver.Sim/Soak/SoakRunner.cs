using System.Diagnostics;
using Driver.Engines.Gt;
using Driver.Reset.Events;
using Driver.Uapi;

namespace Driver.Sim.Soak;

/// <summary>
/// Runs a soak: submitting threads storing verifiable values on every engine while an injector hangs engines
/// (non-preemptible and invalid-CS spinners), forces engine and full resets and now and then wedges and unwedges the
/// device; then a bounded drain and the invariant check (see <see cref="SoakResult.Passed"/>).
/// </summary>
public sealed class SoakRunner(SoakOptions options)
{
    /// <summary>Bound on a submitting thread finishing its round once told to stop.</summary>
    private static readonly TimeSpan s_joinBound = TimeSpan.FromSeconds(30);

    /// <summary>Runs the soak; throws only when the soak's own threads fail.</summary>
    public SoakResult Run()
    {
        var config = DeviceConfig.Fast(options.WedgeStrategy);
        using var device = new GpuDevice(config, options.Log);
        options.Trace?.AttachTo(device);
        var audit = new SoakAudit();
        long stopAt = Stopwatch.GetTimestamp() + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);
        CancellationToken cancel = options.Stop;
        Func<bool> stop = () => Stopwatch.GetTimestamp() >= stopAt || cancel.IsCancellationRequested;

        SoakSubmitter[] submitters = Enumerable.Range(0, Math.Max(1, options.Threads))
            .Select(i => new SoakSubmitter(device, audit, i, options.Seed, stop)).ToArray();
        var injector = new SoakInjector(device, audit, options.Seed, stop);
        options.Progress?.Begin(device);
        options.Progress?.SetLabel("soak");
        var clock = Stopwatch.StartNew();
        foreach (SoakSubmitter? s in submitters)
        {
            s.Start();
        }

        injector.Start();

        foreach (SoakSubmitter? s in submitters)
        {
            if (!s.Join(s_joinBound))
            {
                audit.Violation("a submitting thread did not finish its round in time");
            }
        }

        if (!injector.Join(s_joinBound))
        {
            audit.Violation("the injector did not stop in time");
        }

        double seconds = clock.Elapsed.TotalSeconds;

        // Drain: end what still spins, bring the device back, wait for everything with one bound, check it all.
        options.Progress?.SetLabel("drain");
        injector.EndSpinners();
        if (device.IsWedged)
        {
            device.Unwedge();
        }

        var drain = Stopwatch.StartNew();
        long deadline = Stopwatch.GetTimestamp() + (long)(options.DrainTimeout.TotalSeconds * Stopwatch.Frequency);
        SoakRound[] deferred = submitters.SelectMany(s => s.Deferred).ToArray();
        foreach (SoakRound? round in deferred)
        {
            round.Wait(deadline);
        }

        foreach (SoakFence f in injector.SpinnerFences)
        {
            f.Fence.Wait(TimeSpan.FromSeconds(Math.Max(0, deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency));
        }

        double drainSeconds = drain.Elapsed.TotalSeconds;
        options.Trace?.Detach();

        options.Progress?.SetLabel("verify");
        foreach (SoakRound? round in deferred)
        {
            round.Verify();
        }

        foreach (SoakFence f in injector.SpinnerFences)
        {
            audit.CheckFence(f);
        }

        injector.Release();
        foreach (SoakSubmitter? s in submitters)
        {
            s.CloseClients();
        }

        Exception[] failures = submitters.Select(s => s.Failure).Append(injector.Failure).OfType<Exception>().ToArray();
        if (failures.Length > 0)
        {
            throw new AggregateException("soak threads failed", failures);
        }

        GpuEventStream events = device.Reset.Events;
        return new SoakResult
        {
            Seed = options.Seed,
            Threads = submitters.Length,
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
            Interrupted = cancel.IsCancellationRequested,
        };
    }
}
