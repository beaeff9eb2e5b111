using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Prime;
using Driver.Core.Resv;
using Driver.Sim.Results;
using Driver.Sim.Scenarios.Model;
using Driver.Uapi;
using Serilog;

namespace Driver.Sim.Runner;

/// <summary>
/// Runs a validated scenario on a fresh device: opens its clients and contexts, prepares every step, runs the phases
/// (one thread per client plus a control thread for device actions), drains every fence with a bound, verifies every
/// store, and checks the expectations.
/// </summary>
public sealed class ScenarioRunner(Scenario scenario, RunOptions? options = null)
{
    private readonly RunOptions _options = options ?? new RunOptions();

    /// <summary>Runs the scenario. Throws only for failures of the runner itself, never for GPU errors.</summary>
    public RunResult Run()
    {
        ILogger log = _options.Log ?? Serilog.Core.Logger.None;
        int seed = _options.Seed ?? scenario.Seed;
        var drain = TimeSpan.FromMilliseconds(scenario.DrainTimeoutMs);
        DeviceConfig config = DeviceConfigFactory.Create(scenario.Device, _options.WedgeStrategy);
        log.Information("scenario {Scenario}: seed {Seed}, wedge strategy {Strategy}", scenario.Name, seed, config.Gt.WedgeStrategy);

        // Declared first so it is disposed last: Vulkan engines stop with the GPU device, before their Vulkan device.
        using var vulkan = new VulkanAttachment();
        using var device = new GpuDevice(config, log);
        vulkan.Attach(device, scenario.Device, log);
        _options.Trace?.AttachTo(device);
        using GpuDevice? peer = scenario.Peer is { } peerSpec
            ? new GpuDevice(DeviceConfigFactory.Create(peerSpec with { Name = peerSpec.Name ?? "peer" }), log)
            : null;
        // The runs that combine designs lockdep reports as a known deadlock carry its expectation (KnownSplats): the
        // report stays out of the validator's count; anything else still counts.
        config.ExpectKnownSplats(withPeer: peer is not null);

        Dictionary<string, ClientHandle> clients = OpenClients(device);
        var session = new RunSession(device, log, seed, drain, clients)
        {
            Peer = peer,
            SharedBuffers = ShareBuffers(device, peer, clients),
        };
        // Stopped (disposed) before the devices: the last waits it may break are over by the drain.
        using ResvDeadlockWatchdog? watchdog = scenario.DeadlockWatchdogMs is { } bound
            ? new ResvDeadlockWatchdog(TimeSpan.FromMilliseconds(bound), report =>
            {
                lock (session.Deadlocks)
                {
                    session.Deadlocks.Add(report);
                }

                log.Error("deadlock watchdog: a waits-for cycle was broken:\n{Report}", report);
            })
            : null;
        List<PhaseRun> phases = BuildRunners(session);
        foreach (IStepRunner? runner in phases.SelectMany(p => p.Runners))
        {
            runner.Prepare();
        }

        _options.Progress?.Begin(device, PlannedRequests());

        var clock = Stopwatch.StartNew();
        foreach (PhaseRun phase in phases)
        {
            _options.Progress?.SetLabel(phase.Name);
            RunPhase(phase, session);
        }
        IStepRunner[] all = phases.SelectMany(p => p.Runners).ToArray();
        _options.Progress?.SetLabel("drain");
        int unsignaled = WaitAll(all.SelectMany(r => r.Tracker.Fences), drain);
        clock.Stop();
        _options.Trace?.Detach();
        _options.Progress?.SetLabel("verify");
        if (unsignaled > 0)
        {
            log.Error("{Count} fences still unsignaled after the {Timeout} drain", unsignaled, drain);
        }

        foreach (IStepRunner? r in all)
        {
            r.Tracker.Snapshot();
        }

        _options.BeforeVerify?.Invoke(device);
        var tally = new StoreTally();
        foreach (IStepRunner? r in all)
        {
            r.Verify(tally);
        }

        foreach (IStepRunner? r in all)
        {
            r.Finish();
        }

        return ResultBuilder.Build(scenario, seed, clock.Elapsed, session, all, tally);
    }

    /// <summary>Requests the scenario's steps will submit at most (batches and spinners).</summary>
    private long PlannedRequests() => scenario.Phases.SelectMany(p => p.Steps).Sum(step => step switch
    {
        BatchesStep b => (long)b.Count,
        HangStep h => h.Count,
        _ => 0,
    });

    private Dictionary<string, ClientHandle> OpenClients(GpuDevice device)
    {
        var clients = new Dictionary<string, ClientHandle>();
        foreach (ClientSpec c in scenario.Clients)
        {
            Check(device.OpenClient(out int id, c.Privileged, c.Name), $"open client {c.Name}");
            var contexts = new Dictionary<string, int> { ["default"] = 0 };
            foreach (ContextSpec ctx in c.Contexts)
            {
                int ctxId = 0;
                if (ctx.Name != "default")
                {
                    Check(device.CreateContext(id, out ctxId), $"create context {c.Name}/{ctx.Name}");
                }

                contexts[ctx.Name] = ctxId;
                SetParam(device, id, ctxId, ContextParam.Bannable, ctx.Bannable);
                SetParam(device, id, ctxId, ContextParam.Recoverable, ctx.Recoverable);
                SetParam(device, id, ctxId, ContextParam.Persistence, ctx.Persistent);
                if (ctx.Priority is { } p)
                {
                    Check(device.SetContextParam(id, ctxId, ContextParam.Priority, p), $"set the priority of {c.Name}/{ctx.Name}");
                }
            }
            clients[c.Name] = new ClientHandle(c.Name, id, contexts);
        }
        return clients;
    }

    /// <summary>
    /// Creates each shared buffer in its client, exports it (PRIME_HANDLE_TO_FD) and imports it into the peer's one
    /// client (PRIME_FD_TO_HANDLE).
    /// </summary>
    private Dictionary<string, SharedBuffer> ShareBuffers(GpuDevice device, GpuDevice? peer, Dictionary<string, ClientHandle> clients)
    {
        var shared = new Dictionary<string, SharedBuffer>();
        if (peer is null || scenario.SharedBuffers is not { Count: > 0 } specs)
        {
            return shared;
        }

        Check(peer.OpenClient(out int peerClient, name: "peer"), "open the peer's client");
        foreach (SharedBufferSpec spec in specs)
        {
            int client = clients[spec.Client].Id;
            Check(device.CreateBuffer(client, spec.Size, out int handle), $"create shared buffer {spec.Name}");
            Check(device.PrimeHandleToFd(client, handle, out DmaBuf? buf), $"export shared buffer {spec.Name}");
            Check(peer.PrimeFdToHandle(peerClient, buf, out int imported), $"import shared buffer {spec.Name} into the peer");
            // The import holds the buffer now; the "fd" goes, as a process closes it once it has imported.
            buf!.Close();
            buf!.Resv.Label = spec.Name;
            shared[spec.Name] = new SharedBuffer(spec.Name, client, handle, peerClient, imported, buf.Resv);
        }

        return shared;
    }

    private static void SetParam(GpuDevice device, int client, int ctx, ContextParam param, bool? value)
    {
        if (value is { } v)
        {
            Check(device.SetContextParam(client, ctx, param, v ? 1 : 0), $"set {param} on context {ctx}");
        }
    }

    private List<PhaseRun> BuildRunners(RunSession session)
    {
        var phases = new List<PhaseRun>();
        for (int p = 0; p < scenario.Phases.Count; p++)
        {
            PhaseSpec spec = scenario.Phases[p];
            var runners = new List<IStepRunner>();
            for (int s = 0; s < spec.Steps.Count; s++)
            {
                StepSpec step = spec.Steps[s];
                string name = step.Name ?? $"phase{p + 1}.{step.Kind}{s + 1}";
                runners.Add(step switch
                {
                    BatchesStep b => new BatchesRunner(b, name, session),
                    HangStep h => new HangRunner(h, name, session),
                    SetDomainStep d => new SetDomainRunner(d, name, session),
                    _ => new ActionRunner(step, name, session),
                });
            }
            phases.Add(new PhaseRun(spec.Name ?? $"phase{p + 1}", spec.WaitIdle, runners));
        }
        return phases;
    }

    /// <summary>Runs a phase: one thread per thread group, each running its steps in order; joins them all.</summary>
    private static void RunPhase(PhaseRun phase, RunSession session)
    {
        session.Log.Information("{Phase}: {Steps} steps", phase.Name, phase.Runners.Count);
        var failures = new List<Exception>();
        Thread[] threads = phase.Runners.GroupBy(r => r.ThreadGroup).Select(group => new Thread(() =>
        {
            try
            {
                foreach (IStepRunner? runner in group)
                {
                    runner.Execute();
                }
            }
            catch (Exception e)
            {
                lock (failures)
                {
                    failures.Add(e);
                }
            }
        })
        { Name = group.Key ?? "control", IsBackground = true }).ToArray();
        foreach (Thread? t in threads)
        {
            t.Start();
        }

        foreach (Thread? t in threads)
        {
            t.Join();
        }

        if (failures.Count > 0)
        {
            throw new AggregateException($"{phase.Name} failed", failures);
        }

        if (phase.WaitIdle)
        {
            int pending = WaitAll(phase.Runners.SelectMany(r => r.Tracker.Fences), session.DrainTimeout);
            if (pending > 0)
            {
                session.Log.Warning("{Phase}: {Count} fences still pending after {Timeout}", phase.Name, pending, session.DrainTimeout);
            }
        }
    }

    /// <summary>Waits for every fence under one deadline; returns how many are still pending.</summary>
    private static int WaitAll(IEnumerable<DmaFence> fences, TimeSpan bound)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(bound.TotalSeconds * Stopwatch.Frequency);
        int pending = 0;
        foreach (DmaFence f in fences)
        {
            if (f.IsSignaled)
            {
                continue;
            }

            var left = TimeSpan.FromSeconds(Math.Max(0, deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
            if (!f.Wait(left))
            {
                pending++;
            }
        }
        return pending;
    }

    private static void Check(int err, string what)
    {
        if (err != 0)
        {
            throw new ScenarioRunException($"could not {what}: {Errno.Name(err)}");
        }
    }

    private sealed record PhaseRun(string Name, bool WaitIdle, IReadOnlyList<IStepRunner> Runners);
}
