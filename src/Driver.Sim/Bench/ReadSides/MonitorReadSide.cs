using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Gt;

namespace Driver.Sim.Bench.ReadSides;

/// <summary>Baseline: one Monitor around every submission and around the swap. Correct; serialises all submitters.</summary>
internal sealed class MonitorReadSide : ISubmitReadSide
{
    private readonly object _gate = new();

    public string Name => "monitor";

    public void Submit(Engine engine, Request rq)
    {
        lock (_gate)
        {
            engine.SubmitRequest(rq);
        }
    }

    public void Publish(Action swap, TimeSpan stopTimeout)
    {
        lock (_gate)
        {
            swap();
        }
    }
}
