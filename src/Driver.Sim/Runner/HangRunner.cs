using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Sim.Scenarios.Model;
using Driver.Uapi;
using Serilog;

namespace Driver.Sim.Runner;

/// <summary>A hang step: spinners (igt_spin) submitted one after the other, each optionally waited for.</summary>
internal sealed class HangRunner : IStepRunner
{
    /// <summary>How long to wait for a spinner to start (igt fails after 2 s on hardware).</summary>
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(5);

    private readonly HangStep _spec;
    private readonly RunSession _session;
    private readonly ClientHandle _client;
    private readonly int _context;
    private readonly EngineId _engine;
    private readonly List<Spinner> _spinners = new();

    /// <summary>Creates the runner of <paramref name="spec"/>.</summary>
    public HangRunner(HangStep spec, string name, RunSession session)
    {
        _spec = spec;
        _session = session;
        _client = session.Clients[spec.Client];
        _context = _client.Contexts[spec.Context];
        EngineIds.TryParse(spec.Engine, out _engine);
        Tracker = new WorkloadTracker(name, spec.Kind, spec.Client, spec.Context);
    }

    /// <inheritdoc/>
    public WorkloadTracker Tracker { get; }

    /// <inheritdoc/>
    public string? ThreadGroup => _spec.Client;

    /// <inheritdoc/>
    public void Prepare()
    {
    }

    /// <inheritdoc/>
    public void Execute()
    {
        ILogger log = _session.Log.ForContext("Engine", _engine.Name());
        for (int k = 0; k < _spec.Count; k++)
        {
            var options = new SpinnerOptions
            {
                Context = _context,
                Engine = _engine,
                NoPreemption = _spec.Spinner == SpinnerKind.NoPreemption,
                InvalidCs = _spec.Spinner == SpinnerKind.InvalidCs,
                Objects = (_spec.Objects ?? []).Select(n => _session.SharedBuffers[n].DeviceHandle).ToArray(),
            };
            int err = Spinner.Create(_session.Device, _client.Id, options, out Spinner? spinner);
            if (err != 0)
            {
                Tracker.Rejected(err);
                log.Information("{Step}: spinner {Index} refused: {Errno}", Tracker.Name, k, Errno.Name(err));
                continue;
            }
            _spinners.Add(spinner!);
            Tracker.Submitted(spinner!.Fence, _engine);
            log.Information("{Step}: {Kind} spinner {Index} submitted by {Client}", Tracker.Name, _spec.Spinner, k, _spec.Client);
            if (_spec.EndAfterMs is { } ms)
            {
                spinner.SetTimeout(TimeSpan.FromMilliseconds(ms));
            }

            if (_spec.WaitStarted && !spinner.WaitStarted(s_startTimeout) && !spinner.Fence.IsSignaled)
            {
                log.Warning("{Step}: spinner {Index} did not start within {Timeout}", Tracker.Name, k, s_startTimeout);
            }

            if (_spec.WaitDone && !spinner.Fence.Wait(_session.DrainTimeout))
            {
                log.Warning("{Step}: spinner {Index} still pending after {Timeout}", Tracker.Name, k, _session.DrainTimeout);
            }
        }
    }

    /// <inheritdoc/>
    public void Verify(StoreTally tally)
    {
    }

    /// <inheritdoc/>
    public void Finish()
    {
        // Ends any spinner still running (a plain one whose timeout has not fired) and frees its object.
        foreach (Spinner s in _spinners)
        {
            s.Dispose();
        }
    }
}
