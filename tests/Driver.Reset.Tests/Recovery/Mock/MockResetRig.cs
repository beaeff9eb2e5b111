using Driver.Core.Contexts;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Gt;
using Driver.Engines.Mock;
using Driver.Reset.Recovery;

namespace Driver.Reset.Tests.Recovery.Mock;

/// <summary>
/// The reset core on mock engines (gt/mock_engine.c): no engine thread, no heartbeat, no reset worker. Nothing
/// executes until the test advances an engine, an engine refuses to stop only when told, and the reset's watchdog
/// fires only when the test fires it, so every interleaving a test names is the one that happens.
/// </summary>
public sealed class MockResetRig : IDisposable
{
    /// <summary>Any batch address: the mock executes no command, it only completes requests in order.</summary>
    public const uint NopBatch = 0x1000;

    private readonly List<Request> _requests = [];

    /// <summary>Builds the GT on mock engines and its reset core.</summary>
    public MockResetRig(WedgeStrategy strategy = WedgeStrategy.Epoch, ResetConfig? config = null)
    {
        Gt = new IntelGt(new GtConfig
        {
            MemoryBytes = 8L << 20,
            GgttBytes = 16L << 20,
            WedgeStrategy = strategy,
            EngineFactory = (id, _) => new MockEngine(id),
        });
        Client = new Client(Gt.NextClientId(), "mock-rig", privileged: false, Gt.StatusPages);
        Clock = new ManualTimeProvider();
        // A prepare that fails does so at once on a mock engine; the stop timeout only bounds stop_machine's attempt.
        Reset = new GtReset(Gt, config ?? new ResetConfig { StopTimeout = TimeSpan.FromMilliseconds(100), CaptureErrorState = false }, time: Clock);
    }

    /// <summary>The GT.</summary>
    public IntelGt Gt { get; }

    /// <summary>A client.</summary>
    public Client Client { get; }

    /// <summary>The reset core under test.</summary>
    public GtReset Reset { get; }

    /// <summary>The clock of the reset's watchdog.</summary>
    public ManualTimeProvider Clock { get; }

    /// <summary>The mock engine <paramref name="id"/>.</summary>
    public MockEngine this[EngineId id] => (MockEngine)Gt[id];

    /// <summary>Every request submitted through the rig, for whole-outcome checks.</summary>
    public IReadOnlyList<Request> Requests { get { lock (_requests) { return [.. _requests]; } } }

    /// <summary>Submits a request that completes when its engine advances to it.</summary>
    public Request Nop(EngineId engine, GpuContext? context = null, IReadOnlyList<DmaFence>? inFences = null) =>
        Submit(engine, NopBatch, context, inFences);

    /// <summary>Submits a request that starts and never completes by itself (<see cref="MockEngine.HangBatch"/>), and starts it.</summary>
    public Request Hang(EngineId engine, GpuContext? context = null)
    {
        Request rq = Submit(engine, MockEngine.HangBatch, context, null);
        this[engine].Advance();
        Assert.True(rq.Started && this[engine].Active == rq, $"the hang did not start on {engine.Name()}");
        return rq;
    }

    private Request Submit(EngineId engine, uint batch, GpuContext? context, IReadOnlyList<DmaFence>? inFences)
    {
        Request rq = Gt.CreateAndSubmit(context ?? Client.DefaultContext, engine, batch, RequestFlags.None, inFences);
        lock (_requests)
        {
            _requests.Add(rq);
        }

        return rq;
    }

    /// <summary>Advances every engine until none completes anything more.</summary>
    public void AdvanceAll()
    {
        while (Gt.Engines.Sum(e => ((MockEngine)e).Advance()) > 0)
        {
        }
    }

    /// <summary>
    /// The invariant above all, over every request the rig submitted: signalled, with a status that is success or an
    /// errno (never 0, never an error after a success), and no engine counting more retired than it was given.
    /// </summary>
    public void AssertEveryFenceSignalled()
    {
        foreach (Request rq in Requests)
        {
            Assert.True(rq.IsSignaled, $"{rq} was never signalled");
            Assert.True(rq.Status == 1 || rq.Status < 0, $"{rq} signalled with status {rq.Status}");
            Assert.True(rq.SignalAttempts == 1, $"{rq} was signalled {rq.SignalAttempts} times");
        }

        foreach (MockEngine e in Gt.Engines.Cast<MockEngine>())
        {
            Assert.True(e.Completed <= e.Submitted, $"{e.Name}: {e.Completed} retired of {e.Submitted}");
        }
    }

    /// <summary>The GT is usable: not wedged, and a fresh request on every engine completes with success.</summary>
    public void AssertNotWedged()
    {
        Assert.False(Reset.IsWedged);
        foreach (EngineId id in EngineIds.All)
        {
            Request rq = Nop(id, Client.CreateContext());
            AdvanceAll();
            Assert.Equal(1, rq.Status);
        }
    }

    /// <summary>Stops the GT.</summary>
    public void Dispose() => Gt.Dispose();
}
