using Driver.Core.Contexts;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Gt;
using Driver.Engines.Isa;
using Driver.Reset.Recovery;
using Driver.Testing.Gt;

namespace Driver.Reset.Tests.Recovery;

/// <summary>
/// The reset core alone: a bare GT (<see cref="GtHarness"/>) and its <see cref="GtReset"/>, with no heartbeat, no
/// reset worker and no uAPI, so a test decides every step. Engines give up parking after <see cref="StopTimeout"/>.
/// </summary>
public sealed class ResetRig : IDisposable
{
    /// <summary>How long the reset core waits for an engine to park before it counts it as not stopping.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromMilliseconds(100);

    private readonly List<ManualResetEventSlim> _holds = new();

    /// <summary>
    /// Builds the GT and its reset state; <paramref name="sharedResetDomain"/> is the part's
    /// <see cref="ResetConfig.SharedResetDomain"/> (none by default: every engine resets alone).
    /// </summary>
    public ResetRig(WedgeStrategy strategy = WedgeStrategy.Epoch, uint sharedResetDomain = 0)
    {
        Harness = new GtHarness(strategy);
        Reset = new GtReset(Gt, new ResetConfig { StopTimeout = StopTimeout, SharedResetDomain = sharedResetDomain });
        _nopBatch = Harness.NewBuffer();
        _nopBatch.Write(new BatchBuilder().End());
    }

    /// <summary>One <c>MI_BATCH_BUFFER_END</c> batch, shared by every <see cref="Nop"/>.</summary>
    private readonly TestBuffer _nopBatch;

    /// <summary>The bare GT.</summary>
    public GtHarness Harness { get; }

    /// <summary>The GT.</summary>
    public IntelGt Gt => Harness.Gt;

    /// <summary>The reset core under test.</summary>
    public GtReset Reset { get; }

    /// <summary>The engine <paramref name="id"/>.</summary>
    public Engine this[EngineId id] => Gt[id];

    /// <summary>
    /// Starts a preemptible spinner (an arbitration point and a jump back to it) on <paramref name="engine"/> and
    /// waits until the engine runs it. <see cref="Spinner.End"/> makes the next pass end the batch.
    /// </summary>
    public Spinner Spin(EngineId engine, GpuContext? context = null)
    {
        TestBuffer batch = Harness.NewBuffer();
        batch.Write(new BatchBuilder().ArbCheck().Jump(batch.Address));
        Request rq = Harness.Submit(batch, engine, context);
        Poll.Until(() => Gt[engine].Active == rq && rq.Started, $"the spinner never started on {engine.Name()}");
        return new Spinner(batch, rq);
    }

    /// <summary>Submits an empty batch (<c>MI_BATCH_BUFFER_END</c>).</summary>
    public Request Nop(EngineId engine, GpuContext? context = null, IReadOnlyList<DmaFence>? inFences = null) =>
        Harness.Submit(_nopBatch, engine, context, inFences);

    /// <summary>
    /// Holds <paramref name="engine"/>'s thread at its next safe point, deaf to park requests, as hardware that does not
    /// stop; returns once it is held. Released by <see cref="Release"/> or at dispose.
    /// </summary>
    public ManualResetEventSlim Hold(EngineId engine)
    {
        var release = new ManualResetEventSlim(false);
        _holds.Add(release);
        Execlists(engine).HoldBetweenSafePoints(release);
        Poll.Until(() => Execlists(engine).IsHeldBetweenSafePoints, $"{engine.Name()} never reached a safe point to be held at");
        return release;
    }

    /// <summary>The simulated engine behind <paramref name="engine"/> (the rig never uses another kind).</summary>
    public ExeclistsEngine Execlists(EngineId engine) => (ExeclistsEngine)Gt[engine];

    /// <summary>Lets a held engine go on.</summary>
    public void Release(EngineId engine, ManualResetEventSlim hold)
    {
        Execlists(engine).HoldBetweenSafePoints(null);
        hold.Set();
    }

    /// <summary>Releases every hold and stops the GT.</summary>
    public void Dispose()
    {
        foreach (ExeclistsEngine engine in Gt.Engines.Cast<ExeclistsEngine>())
        {
            engine.HoldBetweenSafePoints(null);
        }

        foreach (ManualResetEventSlim hold in _holds)
        {
            hold.Set();
        }

        Harness.Dispose();
    }

    /// <summary>A running spinner.</summary>
    public sealed class Spinner(TestBuffer batch, Request request)
    {
        /// <summary>Its request (and fence).</summary>
        public Request Request { get; } = request;

        /// <summary>Ends the spinner: the CPU writes <c>MI_BATCH_BUFFER_END</c> over its first dword.</summary>
        public void End() => batch[0] = Mi.BatchBufferEnd;
    }
}
