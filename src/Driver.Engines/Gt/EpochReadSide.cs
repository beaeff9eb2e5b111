using Driver.Core.Requests;
using Driver.Core.Sync;
using Driver.Engines.Execution;

namespace Driver.Engines.Gt;

/// <summary>
/// The RCU design: every submission runs its handler inside a read section of the submit epoch; the wedge swaps the
/// handlers and waits a grace period (<c>synchronize_rcu_expedited()</c>), after which no section that could have read
/// an old handler is still running. Submitters are never stopped.
/// </summary>
public sealed class EpochReadSide(Epoch epoch) : ISubmitReadSide
{
    /// <inheritdoc/>
    public string Name => "epoch";

    /// <inheritdoc/>
    public void Submit(Engine engine, Request rq)
    {
        // The handler is read inside the section; Publish's grace period waits for every section that may hold the
        // old one.
        using (epoch.Read())
        {
            engine.SubmitRequest(rq);
        }
    }

    /// <inheritdoc/>
    public void Publish(Action swap, TimeSpan stopTimeout)
    {
        swap();
        // Grace period: a submitter that read the old handler inside its section has left it when this returns.
        epoch.Synchronize();
    }
}
