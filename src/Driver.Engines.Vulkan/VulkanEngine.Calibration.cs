using System.Diagnostics;
using Driver.Engines.Isa;

namespace Driver.Engines.Vulkan;

public sealed partial class VulkanEngine
{
    /// <summary>Fallback rates when calibration fails (per microsecond).</summary>
    private static readonly KernelRates s_fallback = new(100, 1);

    private volatile bool _calibrated;

    private KernelRates Rates => _device.Rates ?? s_fallback;

    /// <summary>Busy-kernel units (eight multiply-adds) per microsecond for WORK(ns): configured, or calibrated on the device.</summary>
    public double WorkIterationsPerMicrosecond => Options.WorkIterationsPerMicrosecond ?? Rates.WorkUnitsPerMicrosecond;

    /// <summary>Spin-kernel polls per microsecond measured on the device (for the cap).</summary>
    public double SpinIterationsPerMicrosecond => Rates.SpinPollsPerMicrosecond;

    /// <summary>
    /// The iteration cap every spin carries: configured, or eight times what the device polls in timeout + grace, so
    /// the hangcheck's abort ends a spin long before its cap even when the device runs faster than it did when
    /// calibrated; at least a million, at most 2^32-1.
    /// </summary>
    public uint SpinIterationCap
    {
        get
        {
            if (Options.SpinIterationCap is { } cap)
            {
                return Math.Max(1u, cap);
            }

            double us = (Options.RequestTimeout + Options.AbortGrace).TotalMicroseconds * 8;
            return (uint)Math.Clamp(SpinIterationsPerMicrosecond * us, 1_000_000, uint.MaxValue);
        }
    }

    /// <summary>Busy-kernel units for <paramref name="ns"/> nanoseconds of WORK.</summary>
    private uint WorkUnits(uint ns) => (uint)Math.Clamp(ns / 1000.0 * WorkIterationsPerMicrosecond, 1, uint.MaxValue);

    /// <summary>
    /// Warms the kernels up (the first dispatch of a pipeline compiles it on some drivers) and, for the first engine
    /// of a device, measures the busy and polling kernels' speed: runs growing eightfold until one takes at least
    /// 5 ms (bounded). Device loss propagates; any other failure keeps the fallback rates.
    /// </summary>
    private void Calibrate(VulkanEngineResources res)
    {
        try
        {
            var work = new VulkanProgram();
            work.Ops.Add(new VulkanOp(VulkanOpKind.Store, 0, 0));
            work.Ops.Add(new VulkanOp(VulkanOpKind.Work, 0, 0));
            var spin = new VulkanProgram();
            // A compare that never holds (slot 0 is loaded with 0, compared for equality with 1): the spin runs to its cap.
            spin.Conditions.Add(new VulkanCondition(spin.SlotFor(0), 0, CompareOp.Equal, 1, ConditionKind.Semaphore));
            spin.Ops.Add(new VulkanOp(VulkanOpKind.Spin, 0, 1, SpinMode.Semaphore));
            using (_device.CalibrationLock.Acquire())
            {
                if (_device.Rates is null)
                {
                    _device.Rates = new KernelRates(Measure(res, work), Measure(res, spin));
                    _log.Information("{Engine}: calibrated on {Device}: work {Work:0.0} units/µs, spin {Spin:0.00} polls/µs, spin cap {Cap}",
                        Name, _device.Info.Name, WorkIterationsPerMicrosecond, SpinIterationsPerMicrosecond, SpinIterationCap);
                }
            }
            // Warm up (compiles the kernels on drivers that compile at first dispatch); cheap after a measurement.
            RunTimed(res, work, 1);
            RunTimed(res, spin, 1);
        }
        catch (VulkanDeviceLostException)
        {
            throw;
        }
        catch (VulkanException e)
        {
            _log.Warning("{Engine}: calibration failed ({Error}); using fallback rates", Name, e.Message);
        }
        _calibrated = true;
    }

    private double Measure(VulkanEngineResources res, VulkanProgram program)
    {
        RunTimed(res, program, 1 << 12);
        uint n = 1 << 16;
        while (true)
        {
            TimeSpan elapsed = RunTimed(res, program, n);
            if (elapsed >= TimeSpan.FromMilliseconds(5) || n >= 1u << 28)
            {
                return n / Math.Max(1, elapsed.TotalMicroseconds);
            }

            n *= 8;
        }
    }

    /// <summary>
    /// Runs a calibration program with <paramref name="iterations"/> as its work units and spin cap, slice after slice;
    /// bounded: aborted after 5 s, declared stuck after the abort grace.
    /// </summary>
    private TimeSpan RunTimed(VulkanEngineResources res, VulkanProgram program, uint iterations)
    {
        LoadArena(res.Arena, program);
        long start = Stopwatch.GetTimestamp();
        long deadline = start + Ticks(TimeSpan.FromSeconds(5));
        int from = 0;
        while (true)
        {
            res.Record(program, from, iterations, _ => iterations);
            res.Submit();
            bool aborted = false;
            while (!res.Wait(VulkanLogicalDevice.MaxWaitSlice))
            {
                long now = Stopwatch.GetTimestamp();
                if (!aborted && now > deadline)
                {
                    res.Arena.Write(ArenaLayout.CtlAbort, 1);
                    aborted = true;
                }
                else if (aborted && now > deadline + Ticks(Options.AbortGrace))
                {
                    throw new VulkanDeviceLostException("calibration", "calibration kernel did not stop") { Culprit = res.Device.MarkLost() };
                }
            }
            if (res.Arena.Read(ArenaLayout.CtlHalt) != ArenaLayout.HaltYield || Stopwatch.GetTimestamp() > deadline)
            {
                break;
            }

            from = (int)res.Arena.Read(ArenaLayout.CtlResume);
            res.Arena.Write(ArenaLayout.CtlHalt, 0);
        }
        return Stopwatch.GetElapsedTime(start);
    }
}
