using Driver.Core.Hw;
using Driver.Core.Locking;
using Driver.Engines.Execution;
using Driver.Testing.Gt;

namespace Driver.Engines.Tests.Engines;

/// <summary>
/// The engine park handshake (engine->reset.prepare waiting for the engine thread to reach a safe point) as a
/// cross-release completion: the parker records held locks → &amp;engine->park_handshake before it waits
/// (wait_for_completion), the engine thread records &amp;engine->park_handshake → its held locks when it parks
/// (complete(): the commit step of the 4.14 LOCKDEP_CROSSRELEASE). Each test uses a lock class of its own on the
/// default validator, and an expect scope for that class, so the suite's report count stays 0.
/// </summary>
public sealed class ParkHandshakeLockdepTests : IDisposable
{
    private readonly GtHarness _h = new();

    public void Dispose() => _h.Dispose();

    /// <summary>
    /// Bad ordering: the engine thread once reached its park holding L (a driver bug: a lock held across a safe
    /// point), and a parker later parks the engine while holding L. Neither run deadlocked, but together they can
    /// (the parker holds L and waits for a thread that needs L to park): L → park_handshake → L is reported.
    /// </summary>
    [Fact]
    public void ParkingWhileHoldingALockTheEngineHoldsAtItsSafePoint_IsReported()
    {
        var l = new DriverMutex($"test_park_bad_{Guid.NewGuid():N}");
        using ExpectedReportScope scope = Lockdep.Default.ExpectReports(r => r.Chain.Contains(l.ClassName), "a bad park ordering on purpose");
        var engine = (ExeclistsEngine)_h.Gt[EngineId.Rcs0];

        engine.HoldAtParkForTest(l);
        ParkAndWaitForTheEngineToCompleteTheHandshake(engine);
        engine.HoldAtParkForTest(null);
        using (l.Acquire())
        {
            Assert.True(engine.Park(Bound.Long));
            engine.Unpark();
        }

        LockdepReport report = Assert.Single(scope.Reports);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
        Assert.Contains(ExeclistsEngine.ParkHandshakeClassName, report.Chain);
        Assert.Contains(l.ClassName, report.Chain);
        Assert.Contains("ExeclistsEngine.WaitParked", report.Text, StringComparison.Ordinal);
    }

    /// <summary>
    /// Good ordering: a parker holding L while the engine thread never holds L at a safe point (what every reset
    /// does with gt->reset.mutex): the handshake completes and nothing is reported.
    /// </summary>
    [Fact]
    public void ParkingWhileHoldingALockTheEngineNeverNeeds_IsSilent()
    {
        var l = new DriverMutex($"test_park_good_{Guid.NewGuid():N}");
        using ExpectedReportScope scope = Lockdep.Default.ExpectReports(r => r.Chain.Contains(l.ClassName), "must stay empty");
        var engine = (ExeclistsEngine)_h.Gt[EngineId.Rcs0];

        ParkAndWaitForTheEngineToCompleteTheHandshake(engine);
        using (l.Acquire())
        {
            Assert.True(engine.Park(Bound.Long));
            engine.Unpark();
        }

        ParkAndWaitForTheEngineToCompleteTheHandshake(engine);
        Assert.Empty(scope.Reports);
        Assert.DoesNotContain(Lockdep.Default.Reports, r => r.Chain.Contains(l.ClassName));
    }

    /// <summary>Parks and unparks, then waits until the engine thread completed the handshake once more (it dozes again).</summary>
    private static void ParkAndWaitForTheEngineToCompleteTheHandshake(ExeclistsEngine engine)
    {
        int before = engine.ParkCompletionsForTest;
        Assert.True(engine.Park(Bound.Long));
        engine.Unpark();
        Poll.Until(() => engine.ParkCompletionsForTest > before, "the engine thread completing the park handshake");
    }
}
