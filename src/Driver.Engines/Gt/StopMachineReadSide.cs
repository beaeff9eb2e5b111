using Driver.Core.Requests;
using Driver.Core.Sync;
using Driver.Engines.Execution;

namespace Driver.Engines.Gt;

/// <summary>
/// The stop_machine design: every submission from a non-engine thread runs inside a stoppable region; the wedge swaps
/// the handlers with the world stopped (every region drained, every engine parked).
/// </summary>
public sealed class StopMachineReadSide(StopMachine machine) : ISubmitReadSide
{
    /// <inheritdoc/>
    public string Name => "stop-machine";

    /// <summary>Set when <see cref="Publish"/> had to fall back to draining regions: the world could not be stopped.</summary>
    public long Fallbacks => Interlocked.Read(ref _fallbacks);
    private long _fallbacks;

    /// <inheritdoc/>
    public void Submit(Engine engine, Request rq)
    {
        if (Engine.Current is not null)
        {
            // An engine thread (signalling a dependency) is stopped by being parked, and it never parks while
            // submitting, so it needs no region; entering one could block it where it cannot reach its safe point.
            engine.SubmitRequest(rq);
            return;
        }

        machine.EnterRegion();
        try { engine.SubmitRequest(rq); }
        finally { machine.ExitRegion(); }
    }

    /// <inheritdoc/>
    public void Publish(Action swap, TimeSpan stopTimeout)
    {
        if (machine.Run(swap, stopTimeout))
        {
            return;
        }
        // The world would not stop (an engine that does not reach a safe point cannot park). The swap must happen
        // anyway: install the handlers, then wait until every region that might have read an old one has left. Those
        // regions only ever queue to an engine, they never wait on one, so they drain.
        Interlocked.Increment(ref _fallbacks);
        swap();
        while (!machine.WaitForRegions(stopTimeout))
        {
        }
    }
}
