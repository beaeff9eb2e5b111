using System.Diagnostics;
using Driver.Core.Sync;
using Xunit.Abstractions;

namespace Driver.Core.Tests.Sync;

/// <summary>rcutorture in miniature: readers must never see an object whose grace period has ended.</summary>
public sealed class EpochTortureTests(ITestOutputHelper output)
{
    private const int Readers = 3;
    private const int Writers = 2;
    private const int MaxSwaps = 20_000;
    private static readonly TimeSpan s_duration = TimeSpan.FromSeconds(1);

    private TortureVersion _current = new(0);

    [Fact]
    public void ReadersNeverObserveARetiredVersion()
    {
        var epoch = new Epoch("torture");
        int stop = 0;
        long violations = 0;
        long swaps = 0;
        long nextId = 0;
        long[] reads = new long[Readers];
        var threads = new List<TestThread>();
        var clock = Stopwatch.StartNew();

        for (int r = 0; r < Readers; r++)
        {
            int index = r;
            threads.Add(TestThread.Start($"reader{r}", () => ReaderLoop(epoch, index, reads, ref stop, ref violations)));
        }

        var writers = new List<TestThread>();
        for (int w = 0; w < Writers; w++)
        {
            writers.Add(TestThread.Start($"writer{w}", () =>
            {
                while (Interlocked.Read(ref swaps) < MaxSwaps && clock.Elapsed < s_duration)
                {
                    var next = new TortureVersion(Interlocked.Increment(ref nextId));
                    TortureVersion old = Interlocked.Exchange(ref _current, next);
                    epoch.Synchronize();
                    old.Retire();
                    Interlocked.Increment(ref swaps);
                }
            }));
        }

        foreach (TestThread writer in writers)
        {
            writer.Join();
        }

        Volatile.Write(ref stop, 1);
        foreach (TestThread thread in threads)
        {
            thread.Join();
        }

        output.WriteLine(
            $"{swaps} swaps, {epoch.GracePeriods} grace periods, reads [{string.Join(", ", reads)}] in {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(0, Interlocked.Read(ref violations));
        Assert.True(swaps > 0, "writers made no progress");
        Assert.True(epoch.GracePeriods > 0);
        for (int r = 0; r < Readers; r++)
        {
            Assert.True(reads[r] > 0, $"reader {r} made no progress");
        }
    }

    private void ReaderLoop(Epoch epoch, int index, long[] reads, ref int stop, ref long violations)
    {
        long count = 0;
        while (Volatile.Read(ref stop) == 0)
        {
            using (epoch.Read())
            {
                TortureVersion seen = Volatile.Read(ref _current);
                if (seen.Retired)
                {
                    Interlocked.Increment(ref violations);
                }

                switch (count & 63)
                {
                    case 0:
                        // Get preempted inside a section now and then, so grace periods really have to wait.
                        Thread.Yield();
                        break;
                    case < 8:
                        using (epoch.Read())
                        {
                            if (Volatile.Read(ref _current).Retired)
                            {
                                Interlocked.Increment(ref violations);
                            }
                        }

                        break;
                    default:
                        Thread.SpinWait(20);
                        break;
                }

                // Still inside the section: the version we hold must still be live.
                if (seen.Retired)
                {
                    Interlocked.Increment(ref violations);
                }
            }

            count++;
        }

        reads[index] = count;
    }
}
