using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Gt;

namespace Driver.Sim.Bench.ReadSides;

/// <summary>
/// Baseline: no protection at all, the floor the others are measured against. A wedge with this read side races
/// submitters (a request can reach an engine after its cancel): benchmarks only.
/// </summary>
internal sealed class UnprotectedReadSide : ISubmitReadSide
{
    public string Name => "unprotected";

    public void Submit(Engine engine, Request rq) => engine.SubmitRequest(rq);

    public void Publish(Action swap, TimeSpan stopTimeout) => swap();
}
