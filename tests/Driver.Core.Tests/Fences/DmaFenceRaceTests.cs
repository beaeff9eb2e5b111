using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Fences;

namespace Driver.Core.Tests.Fences;

/// <summary>
/// Error-before-signal under races: a signaller, a fatal error setter, a non-fatal error setter and an observer
/// hammer the same fence. Bounded in rounds and in time.
/// </summary>
public class DmaFenceRaceTests
{
    private const int Rounds = 2000;
    private static readonly TimeSpan s_timeBudget = TimeSpan.FromSeconds(3);

    [Fact]
    public void SignalRacingSetErrorNeverYieldsErrorAfterSignal()
    {
        var fences = new DmaFence[Rounds];
        bool[] setErrorWon = new bool[Rounds];
        int[] observedStatus = new int[Rounds];
        bool[] observerSawChange = new bool[Rounds];
        for (int i = 0; i < Rounds; i++)
        {
            fences[i] = new DmaFence();
        }

        int rounds = 0;
        var sw = Stopwatch.StartNew();
        bool stop = false;
        // The post-phase action runs once per round with every participant stopped: it decides when to end.
        using var barrier = new Barrier(4, _ =>
        {
            rounds++;
            if (rounds >= Rounds || sw.Elapsed > s_timeBudget)
            {
                Volatile.Write(ref stop, true);
            }
        });

        void Participant(Action<int> body)
        {
            for (int i = 0; ; i++)
            {
                if (!barrier.SignalAndWait(Bound.Long))
                {
                    throw new TimeoutException("round barrier");
                }

                if (Volatile.Read(ref stop))
                {
                    return;
                }

                body(i);
            }
        }

        TestThread[] threads =
        [
            TestThread.Start("signaller", () => Participant(i => fences[i].Signal())),
            TestThread.Start("error setter", () => Participant(i => setErrorWon[i] = fences[i].SetError(-Errno.EIO))),
            TestThread.Start("error-once setter", () => Participant(i => fences[i].SetErrorOnce(-Errno.EAGAIN))),
            TestThread.Start("observer", () => Participant(i =>
            {
                DmaFence f = fences[i];
                var spin = new SpinWait();
                for (int n = 0; n < 2000 && !f.IsSignaled; n++) { spin.SpinOnce(sleep1Threshold: -1); } if (!f.IsSignaled) { return; } int status = f.Status, error = f.Error;
                observedStatus[i] = status;
                for (int n = 0; n < 20; n++) { if (f.Status != status || f.Error != error) { observerSawChange[i] = true; } } })),
        ];
        TestThread.JoinAll(threads, Bound.Long + s_timeBudget);

        int done = rounds - 1;
        Assert.True(done > 0);
        for (int i = 0; i < done; i++)
        {
            DmaFence f = fences[i];
            Assert.True(f.IsSignaled);
            Assert.False(observerSawChange[i], $"fence {i} changed after the observer saw it signalled");
            // SetError either won before the signal (and then nothing non-fatal can replace it) or was refused.
            if (setErrorWon[i])
            {
                Assert.Equal(-Errno.EIO, f.Error);
            }
            else
            {
                Assert.NotEqual(-Errno.EIO, f.Error);
            }

            Assert.Contains(f.Error, new[] { 0, -Errno.EIO, -Errno.EAGAIN });
            Assert.Equal(f.Error == 0 ? 1 : f.Error, f.Status);
            if (observedStatus[i] != 0)
            {
                Assert.Equal(f.Status, observedStatus[i]);
            }
            // The fence is final: late error setters are refused.
            Assert.False(f.SetError(-Errno.ENOENT));
            Assert.Equal(f.Error == 0 ? 1 : f.Error, f.Status);
        }
    }
}
