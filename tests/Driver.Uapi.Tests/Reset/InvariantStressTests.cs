using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Gt;
using Driver.Testing.Devices;
using Xunit.Abstractions;
using static Driver.Uapi.Tests.Reset.ResetKit;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// The invariant above all — every fence signals, exactly once, with its error set before the signal — under a
/// seeded random mix of store batches (some awaiting other engines' fences) from several threads while another
/// thread injects hangs and faults, forces engine and full resets, and wedges and unwedges the device; and a
/// targeted race of wedges against engine resets. Bounded in time and in count. Set GPUSIM_STRESS_SEED to replay a
/// seed printed by a failure.
/// </summary>
[Collection(ResetCollection.Name)]
public sealed class InvariantStressTests(ITestOutputHelper output)
{
    private const int Submitters = 3;
    private const int MaxPerSubmitter = 4000;
    private const int MaxAttempts = 3 * MaxPerSubmitter;
    private const int MaxChaosActions = 300;
    private static readonly TimeSpan s_duration = TimeSpan.FromSeconds(1.5);
    // For every fence of a run together: twice the bound of one wait.
    private static readonly TimeSpan s_drainBound = 2 * Bound.Long;
    private const int RaceBatches = 20_000;
    private const int MaxRaceResets = 1_000_000;
    private static readonly TimeSpan s_raceDuration = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(WedgeStrategy.Epoch)]
    [InlineData(WedgeStrategy.StopMachine)]
    public void EveryFenceSignalsExactlyOnceUnderRandomHangsResetsAndWedges(WedgeStrategy strategy)
    {
        int seed = Seed();
        string tag = $"[{strategy}, seed {seed}]";
        // First, so that a failure rethrown from a worker thread below still shows the seed to replay.
        output.WriteLine($"{tag} starting");
        using var t = TestDevice.Fast(strategy);
        GpuDevice dev = t.Dev;
        var records = new ConcurrentQueue<FenceRecord>();
        var spinners = new ConcurrentQueue<Spinner>();
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        int rejected = 0;

        var submitters = Enumerable.Range(0, Submitters).Select(id => TestThread.Start($"submitter {id}", () =>
        {
            var rng = new Random(seed + 7919 * (id + 1));
            int c = OpenClient(dev, privileged: true);
            int[] contexts = [0, CreateContext(dev, c), CreateContext(dev, c)];
            // Store batches never hang, but a forced reset can blame one that happens to run: keep them unbannable so
            // that -EIO from execbuf can only mean "wedged".
            foreach (int ctx in contexts)
            {
                Assert.Equal(0, dev.SetContextParam(c, ctx, ContextParam.Bannable, 0));
            }

            var target = new TargetBuffer(dev, c, MaxPerSubmitter * 4);
            // A pool slot per attempt: a refused execbuf uses one too.
            var stores = new StoreBatches(dev, c, MaxAttempts);
            var last = new DmaFence?[EngineIds.Count];
            int i = 0;
            for (int attempt = 0; attempt < MaxAttempts && i < MaxPerSubmitter && !stop.IsCancellationRequested; attempt++)
            {
                var engine = (EngineId)rng.Next(EngineIds.Count);
                var other = (EngineId)rng.Next(EngineIds.Count);
                IReadOnlyList<DmaFence> inFences = other != engine && last[(int)other] is { } f && rng.Next(4) == 0 ? [f] : [];
                // One batch in eight works for a while before its store, so that full resets find some running.
                uint workNs = rng.Next(8) == 0 ? (uint)rng.Next(100_000, 2_000_000) : 0;
                uint value = (uint)(id + 1) << 24 | (uint)(i + 1);
                int err = stores.TrySubmit(contexts[rng.Next(contexts.Length)], engine, target.Slot(i), value, out DmaFence? fence, inFences, workNs);
                if (err == -Errno.EIO)
                {
                    // Wedged: try again a little later.
                    Interlocked.Increment(ref rejected);
                    Thread.Sleep(1);
                    continue;
                }
                if (err != 0)
                {
                    throw new InvalidOperationException($"execbuf failed with {Errno.Name(err)}");
                }

                records.Enqueue(new FenceRecord($"submitter {id} batch {i} on {engine.Name()}", fence!, target, i, value));
                last[(int)engine] = fence;
                i++;
                // Pacing, so the run spans the chaos thread's time rather than flooding the queues up front.
                Thread.Sleep(rng.Next(2));
            }
        })).ToList();

        var chaos = TestThread.Start("chaos", () =>
        {
            var rng = new Random(seed);
            int c = OpenClient(dev, privileged: true);
            Assert.Equal(0, dev.SetContextParam(c, 0, ContextParam.Bannable, 0));
            for (int n = 0; n < MaxChaosActions && clock.Elapsed < s_duration; n++)
            {
                var engine = (EngineId)rng.Next(EngineIds.Count);
                int roll = rng.Next(100);
                if (roll < 45)
                {
                    var options = new SpinnerOptions { Engine = engine, NoPreemption = roll < 30, InvalidCs = roll >= 30 };
                    int err = Spinner.Create(dev, c, options, out Spinner? spin);
                    if (err == -Errno.EIO)
                    {
                        continue;
                    }

                    if (err != 0)
                    {
                        throw new InvalidOperationException($"spinner failed with {Errno.Name(err)}");
                    }

                    spinners.Enqueue(spin!);
                    records.Enqueue(new FenceRecord($"chaos spinner {n} on {engine.Name()} ({(roll < 30 ? "no preemption" : "invalid CS")})", spin!.Fence));
                }
                else if (roll < 70)
                {
                    dev.ForceReset((uint)rng.Next(1, (int)EngineIds.AllMask + 1), $"chaos engine reset {n}");
                }
                else if (roll < 80)
                {
                    // A full reset through the hang path: the engine reset is made to fail and escalates.
                    dev.Reset.Faults.FailEngineResets(1);
                    dev.ForceReset((uint)rng.Next(1, (int)EngineIds.AllMask + 1), $"chaos full reset {n}");
                }
                else if (roll < 86)
                {
                    dev.Wedge($"chaos wedge {n}");
                    Thread.Sleep(rng.Next(1, 10));
                    // Unwedging needs every engine parked and a hardware reset; retry a few times if an engine was
                    // slow to stop.
                    bool unwedged = false;
                    for (int attempt = 0; attempt < 5 && !unwedged; attempt++)
                    {
                        unwedged = dev.Unwedge();
                    }

                    if (!unwedged)
                    {
                        throw new InvalidOperationException("unwedge failed five times");
                    }
                }
                Thread.Sleep(rng.Next(1, 12));
            }
        });

        chaos.Join(Bound.Long + s_duration);
        stop.Cancel();
        TestThread.JoinAll(submitters);

        // End every spinner still running (an innocent victim of a full reset is replayed and spins again).
        foreach (Spinner spin in spinners)
        {
            spin.End();
        }

        AssertEveryFenceHonest(tag, dev, records);
        foreach (Spinner spin in spinners)
        {
            spin.Dispose();
        }

        output.WriteLine($"{tag} {records.Count} fences ({rejected} execbufs refused while wedged), " +
            $"statuses ok {records.Count(r => r.Fence.Status == 1)} / EIO {records.Count(r => r.Fence.Status == -Errno.EIO)} / " +
            $"EAGAIN {records.Count(r => r.Fence.Status == -Errno.EAGAIN)}; engine resets {dev.Reset.TotalEngineResets}, " +
            $"full resets {dev.Reset.ResetCount}, failed {dev.Reset.FailedResets}, wedges {dev.Reset.WedgeCount}, " +
            $"hangs reported {dev.Heartbeat.HangsReported}");
    }

    /// <summary>
    /// Wedging and unwedging in a tight loop while another thread resets rcs0 in a tight loop and a third submits
    /// to it: the wedge and the engine resets must not both own the engine's requests. (They did: the reset could
    /// rewind the engine between the wedge's handler swap and its cancel, when a nop-submitted later request had
    /// already written its seqno, and so signal earlier, never-executed requests as successful; or the two took the
    /// engine's queues from under each other.)
    /// </summary>
    [Theory]
    [InlineData(WedgeStrategy.Epoch)]
    [InlineData(WedgeStrategy.StopMachine)]
    public void WedgesRacingEngineResetsLoseNoFenceAndFakeNoSuccess(WedgeStrategy strategy)
    {
        int seed = Seed();
        string tag = $"[{strategy}, seed {seed}]";
        // First, so that a failure rethrown from a worker thread below still shows the seed to replay.
        output.WriteLine($"{tag} starting");
        using var t = TestDevice.Fast(strategy);
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev, privileged: true);
        Assert.Equal(0, dev.SetContextParam(c, 0, ContextParam.Bannable, 0));
        var target = new TargetBuffer(dev, c, RaceBatches * 4);
        var stores = new StoreBatches(dev, c, RaceBatches * 2);
        var records = new ConcurrentQueue<FenceRecord>();
        var clock = Stopwatch.StartNew();
        int resets = 0, wedges = 0;

        var submitter = TestThread.Start("submitter", () =>
        {
            for (int i = 0, attempt = 0; i < RaceBatches && attempt < 2 * RaceBatches && clock.Elapsed < s_raceDuration; attempt++)
            {
                // Every third batch works 20 us first, so resets find it running too.
                int err = stores.TrySubmit(0, EngineId.Rcs0, target.Slot(i), (uint)i + 1, out DmaFence? fence, workNs: i % 3 == 0 ? 20_000u : 0);
                if (err == -Errno.EIO) { Thread.Sleep(1); continue; }
                if (err != 0)
                {
                    throw new InvalidOperationException($"execbuf failed with {Errno.Name(err)}");
                }

                records.Enqueue(new FenceRecord($"batch {i}", fence!, target, i, (uint)i + 1));
                i++;
            }
        });
        var resetter = TestThread.Start("resetter", () =>
        {
            for (int n = 0; n < MaxRaceResets && clock.Elapsed < s_raceDuration; n++)
            {
                dev.ForceReset(EngineId.Rcs0.Mask(), $"race reset {n}");
                resets++;
            }
        });
        var wedger = TestThread.Start("wedger", () =>
        {
            var rng = new Random(seed);
            for (int n = 0; n < MaxRaceResets && clock.Elapsed < s_raceDuration; n++)
            {
                dev.Wedge($"race wedge {n}");
                wedges++;
                Thread.SpinWait(rng.Next(1000));
                bool unwedged = false;
                for (int attempt = 0; attempt < 5 && !unwedged; attempt++)
                {
                    unwedged = dev.Unwedge();
                }

                if (!unwedged)
                {
                    throw new InvalidOperationException("unwedge failed five times");
                }

                Thread.SpinWait(rng.Next(100_000));
            }
        });

        TestThread.JoinAll([submitter, resetter, wedger], Bound.Long + s_raceDuration);
        AssertEveryFenceHonest(tag, dev, records);
        output.WriteLine($"{tag} {records.Count} fences, {resets} forced resets, {wedges} wedges, " +
            $"ok {records.Count(r => r.Fence.Status == 1)}");
    }

    /// <summary>
    /// The invariant: every fence signals within a bound, exactly once (one signal attempt), with a final status of 1,
    /// -EIO or -EAGAIN that it already had when it signalled; and a batch that reports 1 or -EAGAIN did store its value.
    /// </summary>
    private static void AssertEveryFenceHonest(string tag, GpuDevice dev, IReadOnlyCollection<FenceRecord> records)
    {
        var drain = Stopwatch.StartNew();
        var unsignalled = records.Where(r => !r.Fence.Wait(Max(s_drainBound - drain.Elapsed, TimeSpan.Zero))).ToList();
        Assert.True(unsignalled.Count == 0,
            $"{tag} {unsignalled.Count} of {records.Count} fences never signalled (wedged {dev.IsWedged}): " +
            string.Join("; ", unsignalled.Take(10)));
        WaitRecoveryIdle(dev);
        foreach (FenceRecord r in records)
        {
            Assert.True(r.SignalsSeen == 1, $"{tag} {r}: signalled {r.SignalsSeen} times");
            // The once-only rule absorbs a second completion (the callbacks above then still run once): count the
            // attempts, so that two paths completing the same request cannot hide behind it.
            Assert.True(r.Fence.SignalAttempts == 1, $"{tag} {r}: {r.Fence.SignalAttempts} signal attempts");
            Assert.True(r.StatusAtSignal == r.Fence.Status, $"{tag} {r}: status changed after the signal to {r.Fence.Status}");
            int status = r.Fence.Status;
            Assert.True(status is 1 or -Errno.EIO or -Errno.EAGAIN, $"{tag} {r}: unexpected status {status}");
            if (r.Target is { } target && status is 1 or -Errno.EAGAIN)
            {
                Assert.True(target[r.Slot] == r.Value, $"{tag} {r}: status {status} but slot {r.Slot} holds 0x{target[r.Slot]:x}, not 0x{r.Value:x}");
            }
        }
        Assert.True(records.Any(r => r.Target is not null), $"{tag} no batch was submitted");
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>GPUSIM_STRESS_SEED if set (to replay a failure), else a fresh seed.</summary>
    private static int Seed() => Environment.GetEnvironmentVariable("GPUSIM_STRESS_SEED") is { Length: > 0 } s
        ? int.Parse(s, CultureInfo.InvariantCulture)
        : Environment.TickCount;
}
