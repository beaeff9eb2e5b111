using System.Diagnostics;
using Driver.Core.Sync;
using Xunit.Abstractions;

namespace Driver.Core.Tests.Sync;

/// <summary>Submitters hammer regions while a stopper stops the world repeatedly; the action must always run alone.</summary>
public sealed class StopMachineStressTests(ITestOutputHelper output)
{
    private const int Submitters = 3;
    private const int MaxStops = 300;
    private static readonly TimeSpan s_duration = TimeSpan.FromMilliseconds(500);

    [Fact]
    public void ActionAlwaysRunsWithNobodyInsideAndEveryEngineParked()
    {
        var machine = new StopMachine("stress");
        using var engine = new FakeEngine("rcs0");
        machine.Register(engine);
        int stop = 0;
        int inside = 0;
        long violations = 0;
        long[] entries = new long[Submitters];
        var submitters = new List<TestThread>();
        for (int s = 0; s < Submitters; s++)
        {
            int index = s;
            submitters.Add(TestThread.Start($"submitter{s}", () =>
            {
                long count = 0;
                while (Volatile.Read(ref stop) == 0)
                {
                    using (machine.Region())
                    {
                        Interlocked.Increment(ref inside);
                        if ((count & 15) == 0)
                        {
                            Thread.Yield();
                        }

                        using (machine.Region())
                        {
                            Thread.SpinWait(10);
                        }

                        Interlocked.Decrement(ref inside);
                    }

                    count++;
                }

                entries[index] = count;
            }));
        }

        var clock = Stopwatch.StartNew();
        try
        {
            while (machine.Stops < MaxStops && clock.Elapsed < s_duration)
            {
                Assert.True(machine.Run(
                    () =>
                    {
                        if (Volatile.Read(ref inside) != 0 || !engine.IsParked)
                        {
                            Interlocked.Increment(ref violations);
                        }
                    },
                    Bound.Long));
            }
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            foreach (TestThread submitter in submitters)
            {
                submitter.Join();
            }
        }

        output.WriteLine($"{machine.Stops} stops, entries [{string.Join(", ", entries)}] in {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(0, Interlocked.Read(ref violations));
        Assert.True(machine.Stops > 0);
        for (int s = 0; s < Submitters; s++)
        {
            Assert.True(entries[s] > 0, $"submitter {s} made no progress");
        }
    }
}
