using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Gt;
using Driver.Testing.Devices;
using Driver.Engines.Isa;
using static Driver.Uapi.Tests.Reset.ResetKit;

namespace Driver.Uapi.Tests.Lifecycle;

/// <summary>
/// A device closed while clients still submit (driver unload under load). In i915 an ioctl after the unplug fails
/// with -ENODEV (drm_dev_enter), and whatever was submitted before is cancelled by intel_gt_set_wedged_on_fini: either
/// way, every fence an execbuf handed out signals.
/// </summary>
public sealed class DisposeRaceTests
{
    /// <summary>Two submitters on two engines; the device closes at a different moment each round.</summary>
    [Fact]
    public void EveryFenceHandedOutWhileTheDeviceClosesSignals()
    {
        for (int round = 0; round < 20; round++)
        {
            var fences = new List<DmaFence>();
            var errors = new List<string>();
            int submitted = 0;
            var t = TestDevice.Fast(WedgeStrategy.Epoch);
            GpuDevice dev = t.Dev;
            int c = OpenClient(dev);
            // One nop batch, only ever read: every submission may share it.
            Assert.Equal(0, dev.CreateBuffer(c, 4096, out int batch));
            Assert.Equal(0, dev.Write(c, batch, 0, new BatchBuilder().End().ToArray()));
            var stop = new ManualResetEventSlim();
            TestThread[] submitters = [.. Enumerable.Range(0, 2).Select(i => TestThread.Start($"submitter {i}", () =>
            {
                EngineId engine = i == 0 ? EngineId.Rcs0 : EngineId.Bcs0;
                while (!stop.IsSet)
                {
                    int rc;
                    DmaFence? fence;
                    try
                    {
                        rc = dev.Execbuf(new ExecbufArgs { Client = c, Engine = (int)engine, BatchHandle = batch }, out fence);
                    }
                    catch (Exception e) when (e is not Xunit.Sdk.XunitException)
                    {
                        lock (errors)
                        {
                            errors.Add($"{e.GetType().Name}: {e.Message}");
                        }

                        return;
                    }

                    if (rc != 0)
                    {
                        // Refused: -ENODEV once the close began (drm_dev_is_unplugged), -EIO if it got past that
                        // check and found the device wedged by the close.
                        if (rc is not (-Errno.ENODEV or -Errno.EIO))
                        {
                            lock (errors)
                            {
                                errors.Add($"execbuf refused with {Errno.Name(-rc)}");
                            }
                        }

                        return;
                    }

                    lock (fences)
                    {
                        fences.Add(fence!);
                    }

                    Interlocked.Increment(ref submitted);
                }
            }))];

            Poll.Until(() => Volatile.Read(ref submitted) >= 20 + round * 10, "the submitters to get going");
            t.Dispose();
            stop.Set();
            TestThread.JoinAll(submitters);

            Assert.Empty(errors);
            Assert.Equal(-Errno.ENODEV, dev.Execbuf(new ExecbufArgs { Client = c, Engine = (int)EngineId.Rcs0, BatchHandle = batch }, out DmaFence? late));
            Assert.Null(late);
            DmaFence[] unsignalled = [.. fences.Where(f => !f.Wait(Bound.Short))];
            Assert.True(unsignalled.Length == 0, $"round {round}: {unsignalled.Length} of {fences.Count} fences never signalled, e.g. {unsignalled.FirstOrDefault()}");
        }
    }
}
