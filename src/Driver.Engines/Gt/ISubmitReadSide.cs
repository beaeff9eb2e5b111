using Driver.Core.Requests;
using Driver.Engines.Execution;

namespace Driver.Engines.Gt;

/// <summary>
/// What guards the call into <see cref="Engine.SubmitRequest"/> against the wedge's handler swap, chosen when the GT
/// is built: the read side every submission runs inside (<c>submit_notify</c>'s <c>rcu_read_lock()</c>), and the write
/// side the wedge publishes its nop handlers through. The driver has two, matching <see cref="WedgeStrategy"/>
/// (<see cref="EpochReadSide"/>, <see cref="StopMachineReadSide"/>); benchmarks bring their own baselines.
/// </summary>
public interface ISubmitReadSide
{
    /// <summary>Name for <c>gpusim info</c> and logs ("epoch").</summary>
    string Name { get; }

    /// <summary>
    /// Runs <paramref name="engine"/>'s current <see cref="Engine.SubmitRequest"/> on <paramref name="rq"/> inside the
    /// read side. Hot path: any thread, fence-signalling paths included; must not allocate and must not block except
    /// where the write side holds it off.
    /// </summary>
    void Submit(Engine engine, Request rq);

    /// <summary>
    /// Runs <paramref name="swap"/> (which installs new handlers) and returns only once no submission can still be
    /// running a handler it read before: after this, nothing reaches an engine through an old handler. Must not fail:
    /// the wedge's promise that every fence ends rests on it. <paramref name="stopTimeout"/> bounds any attempt to
    /// stop the world before falling back to waiting it out.
    /// </summary>
    void Publish(Action swap, TimeSpan stopTimeout);
}
