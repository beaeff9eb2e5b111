using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Resv;

namespace Driver.Core.Tests.Resv;

/// <summary>
/// The reservation deadlock watchdog on the bare pieces: a waiter holding a dma_resv waits on a fence (i915's rule,
/// i915_gem_object_wait under i915_gem_object_lock) that only a "reset" can signal, and that reset waits for the
/// dma_resv (amdgpu's rule, amdgpu_device_evict_resources in amdgpu_device_gpu_recover). The watchdog prints the
/// cycle and breaks the fence wait; the reset then signals its fence (error before signal).
/// </summary>
public sealed class ResvDeadlockWatchdogTests
{
    [Fact]
    public void ACycleOfAFenceWaitUnderTheLockAndARecoveryWaitingForIt_IsReportedAndBroken()
    {
        var resv = new DmaResv { Label = $"wd-{Guid.NewGuid():N}" };
        var fence = new DmaFence(DmaFence.ContextAlloc(), 1);
        var reports = new List<string>();
        using var watchdog = new ResvDeadlockWatchdog(TimeSpan.FromMilliseconds(100), r => { lock (reports) { reports.Add(r); } });

        int waited = 0;
        var waiter = TestThread.Start("i915 waiter", () =>
        {
            resv.LockResv(null);
            try
            {
                using var breaker = new CancellationTokenSource();
                using ResvWaitScope wait = ResvWaits.WaitingOnFence("i915-test", "i915_gem_object_wait", [resv], fence, breaker);
                try
                {
                    fence.WaitAsync(Bound.Long, breaker.Token).GetAwaiter().GetResult();
                }
                catch (OperationCanceledException)
                {
                    waited = wait.Wait!.BrokenWith;
                }
            }
            finally
            {
                resv.Unlock();
            }
        });
        Poll.Until(() => resv.Lock.IsLocked, "the waiter holding the dma_resv");
        var reset = TestThread.Start("amdgpu reset", () =>
        {
            using (ResvWaits.WaitingForLock("amdgpu-test", "amdgpu_device_evict_resources", resv, f => ReferenceEquals(f, fence)))
            {
                resv.LockResv(null);
            }

            resv.Unlock();
            fence.SetError(-Errno.EIO);
            fence.Signal();
        });

        waiter.Join();
        reset.Join();
        Assert.Equal(-Errno.EDEADLK, waited);
        Assert.Equal(-Errno.EIO, fence.Status);
        string report;
        lock (reports)
        {
            report = Assert.Single(reports, r => r.Contains(resv.Label, StringComparison.Ordinal));
        }

        Assert.Contains("\"i915 waiter\"", report);
        Assert.Contains("(device i915-test) holds " + resv.DisplayName + " and waits in i915_gem_object_wait", report);
        Assert.Contains("of device amdgpu-test, which \"amdgpu reset\"", report);
        Assert.Contains("waits in amdgpu_device_evict_resources for the lock of " + resv.DisplayName + ", held by \"i915 waiter\"", report);
        Assert.Contains("breaking the wait of \"i915 waiter\"/", report);
        Assert.Contains(" in i915_gem_object_wait with -EDEADLK", report);
    }

    /// <summary>A fence wait under the lock whose signaller is not blocked is no cycle: nothing reported, nothing broken.</summary>
    [Fact]
    public void AFenceWaitUnderTheLockAlone_IsNotADeadlock()
    {
        var resv = new DmaResv();
        var fence = new DmaFence(DmaFence.ContextAlloc(), 1);
        using var watchdog = new ResvDeadlockWatchdog(TimeSpan.FromMilliseconds(20));
        resv.LockResv(null);
        try
        {
            using var breaker = new CancellationTokenSource();
            using ResvWaitScope wait = ResvWaits.WaitingOnFence("alone", "i915_gem_object_wait", [resv], fence, breaker);
            Assert.False(fence.Wait(TimeSpan.FromMilliseconds(150)));
            Assert.Equal(0, wait.Wait!.BrokenWith);
        }
        finally
        {
            resv.Unlock();
        }

        Assert.DoesNotContain(watchdog.Reports, r => r.Contains("\"alone\"", StringComparison.Ordinal) || r.Contains("(device alone)", StringComparison.Ordinal));
        fence.Signal();
    }
}
