using System.Diagnostics;
using Driver.Core.Ggtt;
using Driver.Reset.Mmap;
using Driver.Reset.Recovery;
using Driver.Uapi;

namespace Driver.Sim.Glitch;

/// <summary>
/// The simulator's gem_mmap_gtt@hang: N threads hammer an X-tiled and a Y-tiled object each through GTT mmaps
/// (write a pattern everywhere, read it all back) while the main thread loops full device resets, each of which
/// clears the fence registers. Reports how many accesses went to the wrong place under the chosen
/// <see cref="MmapResetPolicy"/>: some under glitch, none under stop-machine and revoke.
/// </summary>
public static class GlitchRunner
{
    /// <summary>Stride of the X-tiled objects (4 tiles wide).</summary>
    public const int XStride = 2048;

    /// <summary>Stride of the Y-tiled objects (4 tiles wide).</summary>
    public const int YStride = 512;

    /// <summary>Runs the scenario on a fresh device; ArgumentException for bad options.</summary>
    public static GlitchResult Run(GlitchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Threads is < 1 or > 64)
        {
            throw new ArgumentException("threads must be 1..64", nameof(options));
        }

        if (options.Duration <= TimeSpan.Zero)
        {
            throw new ArgumentException("duration must be positive", nameof(options));
        }

        if (!TileGeometry.IsValidSurface(TilingMode.X, XStride, options.ObjectBytes)
            || !TileGeometry.IsValidSurface(TilingMode.Y, YStride, options.ObjectBytes))
        {
            throw new ArgumentException($"object size {options.ObjectBytes} is not whole X and Y tile rows", nameof(options));
        }

        var config = new DeviceConfig { MmapResetPolicy = options.Policy };
        // The stop-machine policy is half of the 2018 splat's family (KnownSplats); the other half may be another run's.
        config.ExpectKnownSplats();
        using var dev = new GpuDevice(config);
        dev.OpenClient(out int client, name: "glitch");
        var mappings = new List<GttMapping>();
        var workers = new GlitchWorker[options.Threads];
        int stop = 0;
        for (int t = 0; t < workers.Length; t++)
        {
            GttMapping[] own = new[] { MapNew(dev, client, TilingMode.X, XStride, options.ObjectBytes), MapNew(dev, client, TilingMode.Y, YStride, options.ObjectBytes) };
            mappings.AddRange(own);
            int index = t;
            workers[t] = new GlitchWorker(own, () => Volatile.Read(ref stop) != 0, options.BeforePass is { } hook ? () => hook(index) : null);
        }

        Thread[] threads = workers.Select((w, i) => new Thread(w.Run) { IsBackground = true, Name = $"glitch-user{i}" }).ToArray();
        long start = Stopwatch.GetTimestamp();
        foreach (Thread? th in threads)
        {
            th.Start();
        }

        int resets = 0;
        int wedges = 0;
        try
        {
            long[] seen = new long[workers.Length];
            if (!options.Resets)
            {
                Thread.Sleep(options.Duration);
            }

            // At least one reset whatever the clock says: on a loaded machine the threads may take the whole duration
            // to start, and a run without a reset measures nothing.
            while (options.Resets && resets < options.MaxResets && (resets == 0 || Stopwatch.GetElapsedTime(start) < options.Duration))
            {
                if (resets > 0)
                {
                    AwaitProgress(workers, seen, options.ProgressGate);
                }

                for (int i = 0; i < workers.Length; i++)
                {
                    seen[i] = workers[i].Progress;
                }

                if (options.WedgeEvery > 0 && (resets + 1) % options.WedgeEvery == 0)
                {
                    dev.Wedge("glitch: wedge");
                    dev.Unwedge();
                    wedges++;
                }
                else
                {
                    dev.ForceFullReset("gem_mmap_gtt@hang");
                }

                resets++;
            }
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            // One deadline for all: each user stops after its current mapping's pass; one still running past the
            // bound is stuck in an access, and waiting longer would hang the run instead of failing it.
            long deadline = Stopwatch.GetTimestamp() + (long)(options.JoinBound.TotalSeconds * Stopwatch.Frequency);
            foreach (Thread? th in threads)
            {
                var left = TimeSpan.FromSeconds(Math.Max(0, deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
                if (!th.Join(left))
                {
                    throw new TimeoutException($"glitch: mmap user thread {th.Name} did not stop within {options.JoinBound.TotalSeconds:0.#} s of being told to (stuck in a GTT mmap access)");
                }
            }
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        foreach (GttMapping m in mappings)
        {
            m.Dispose();
        }

        long accesses = workers.Sum(w => w.Accesses);
        return new GlitchResult(
            options.Policy.ToName(),
            resets,
            accesses,
            dev.Mmaps.GlitchedReads,
            dev.Mmaps.MisplacedWrites,
            new GlitchPaths(
                dev.Mmaps.GlitchesOn(HardwareResetPath.FullReset),
                dev.Mmaps.GlitchesOn(HardwareResetPath.Wedge),
                dev.Mmaps.GlitchesOn(HardwareResetPath.Unwedge)),
            wedges,
            workers.Max(w => w.MaxStallTicks) * 1e6 / Stopwatch.Frequency,
            accesses / seconds,
            workers.Sum(w => w.Mismatches),
            workers.Sum(w => w.Failures));
    }

    /// <summary>Waits (bounded by <paramref name="gate"/>) until every worker has moved past <paramref name="seen"/>.</summary>
    private static void AwaitProgress(GlitchWorker[] workers, long[] seen, TimeSpan gate)
    {
        if (gate <= TimeSpan.Zero)
        {
            return;
        }

        SpinWait.SpinUntil(() =>
        {
            for (int i = 0; i < workers.Length; i++)
            {
                if (workers[i].Progress == seen[i])
                {
                    return false;
                }
            }

            return true;
        }, gate);
    }

    private static GttMapping MapNew(GpuDevice dev, int client, TilingMode tiling, int stride, int size)
    {
        Check(dev.CreateBuffer(client, size, out int handle), "create buffer");
        Check(dev.MapGtt(client, handle, tiling, stride, out GttMapping? mapping), "GTT mmap");
        return mapping!;
    }

    private static void Check(int err, string what)
    {
        if (err != 0)
        {
            throw new InvalidOperationException($"{what} failed: errno {-err}");
        }
    }
}
