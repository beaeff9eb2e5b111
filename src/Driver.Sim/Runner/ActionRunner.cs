using Driver.Core.Hw;
using Driver.Sim.Scenarios.Model;
using Driver.Uapi;
using Serilog;

namespace Driver.Sim.Runner;

/// <summary>A device action (wedge, unwedge, reset) or a sleep, run on the control thread or a client's.</summary>
internal sealed class ActionRunner(StepSpec spec, string name, RunSession session) : IStepRunner
{
    /// <inheritdoc/>
    public WorkloadTracker Tracker { get; } = new(name, spec.Kind, spec.ClientName, null);

    /// <inheritdoc/>
    public string? ThreadGroup => spec.ClientName;

    /// <inheritdoc/>
    public void Prepare()
    {
    }

    /// <inheritdoc/>
    public void Execute()
    {
        GpuDevice dev = session.Device;
        ILogger log = session.Log;
        switch (spec)
        {
            case WedgeStep:
                log.Information("{Step}: wedging the device", Tracker.Name);
                dev.Wedge($"scenario step {Tracker.Name}");
                break;
            case UnwedgeStep:
                bool ok = dev.Unwedge();
                Tracker.Succeeded = ok;
                if (ok)
                {
                    log.Information("{Step}: device unwedged", Tracker.Name);
                }
                else
                {
                    log.Warning("{Step}: unwedge failed, the device stays wedged", Tracker.Name);
                }

                break;
            case ResetStep { Full: true }:
                log.Information("{Step}: full reset", Tracker.Name);
                dev.ForceFullReset($"scenario step {Tracker.Name}");
                break;
            case ResetStep r:
                uint mask = r.Engines.IsAll ? EngineIds.AllMask
                    : r.Engines.Names.Aggregate(0u, (m, n) => EngineIds.TryParse(n, out EngineId id) ? m | id.Mask() : m);
                log.Information("{Step}: resetting engines 0x{Mask:x}", Tracker.Name, mask);
                dev.ForceReset(mask, $"scenario step {Tracker.Name}");
                break;
            case SleepStep s:
                Thread.Sleep(s.Ms);
                break;
        }
    }

    /// <inheritdoc/>
    public void Verify(StoreTally tally)
    {
    }

    /// <inheritdoc/>
    public void Finish()
    {
    }
}
