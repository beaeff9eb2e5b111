using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Ggtt;
using Driver.Igt.Lib;
using Driver.Reset.Mmap;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

/// <summary>
/// gem_mmap_gtt, the reset subtests: CPU access through tiled GTT mmaps must never see the fence (detiling)
/// registers a full reset clears. Runs with the device's mmap reset policy (revoke, the kernel's design, by default).
/// </summary>
public sealed class GemMmapGtt : IIgtBinary
{
    private static readonly uint[] s_patterns = [0, 0xaaaaaaaa, 0x55555555, 0xcccccccc];
    private const int ObjectSize = 16 * 1024;

    /// <inheritdoc/>
    public string Name => "gem_mmap_gtt";

    /// <inheritdoc/>
    public void Register(IgtBinaryBuilder b)
    {
        b.Subtest("hang", Hang, IgtExpectations.None,
            "Check that tiled GTT mmap readers never see anything but the pattern they wrote while full resets run in a loop.");
        b.Subtest("hang-busy", HangBusy, IgtExpectations.Hang,
            "Fault a busy tiled object through the GTT, hang the GPU; the contents survive the reset and the refault.");
    }

    /// <summary>
    /// test_hang: a thread per CPU owns an X-tiled and a Y-tiled object and keeps checking the last pattern it wrote
    /// at a spread of dwords and writing the next, while the main thread forces full resets for 5 s (scaled).
    /// </summary>
    private static void Hang(IgtContext t)
    {
        GpuDevice dev = t.Device;
        t.AssertEq(dev.SetResetParam(1), 0); // global resets only
        int fd = t.Fd;
        int threads = Math.Max(2, Environment.ProcessorCount);
        int done = 0;
        string?[] failures = new string?[threads];
        Thread[] workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            GttMapping[] maps = new[] { Map(t, dev, fd, TilingMode.X, 2048), Map(t, dev, fd, TilingMode.Y, 512) };
            int last = 0, next = 1;
            while (Volatile.Read(ref done) == 0 && failures[i] is null)
            {
                for (int n = 0; n < ObjectSize / 64 && failures[i] is null; n++)
                {
                    long x = 16 * n + n % 16;
                    foreach (GttMapping? m in maps)
                    {
                        if (m.Read(x * 4, out uint seen) != 0 || seen != s_patterns[last])
                        {
                            failures[i] = $"thread {i}: {m.Tiling}-tiled dword {x} read 0x{seen:x8}, last wrote 0x{s_patterns[last]:x8}";
                        }

                        m.Write(x * 4, s_patterns[next]);
                    }
                }
                last = next;
                next = (next + 1) % s_patterns.Length;
            }
            foreach (GttMapping? m in maps)
            {
                m.Dispose();
            }
        })
        { IsBackground = true, Name = $"gem_mmap_gtt-{i}" }).ToArray();
        foreach (Thread? w in workers)
        {
            w.Start();
        }

        int count = 0;
        var until = Stopwatch.StartNew();
        while (until.Elapsed < IgtTime.Seconds(5) && count < 5000)
        {
            dev.ForceFullReset("gem_mmap_gtt@hang");
            count++;
        }
        Volatile.Write(ref done, 1);
        foreach (Thread? w in workers)
        {
            t.Assert(w.Join(IgtTime.Forever));
        }

        t.Info($"{count} resets");
        foreach (string? f in failures)
        {
            t.AssertF(f is null, f ?? "");
        }

        t.AssertEq(dev.Mmaps.GlitchedReads, 0);
        t.AssertEq(dev.Mmaps.MisplacedWrites, 0);
    }

    /// <summary>
    /// test_hang_busy: an X-tiled object, written through its GTT mmap, is made busy by a non-preemptible spinner
    /// that uses it; the hang is detected and the device reset (revoking the mmap); reading through the GTT again
    /// faults the object back in with its contents intact, and the spinner ends -EIO.
    /// </summary>
    private static void HangBusy(IgtContext t)
    {
        GpuDevice dev = t.Device;
        t.AssertEq(dev.SetResetParam(1), 0);
        int fd = t.Fd;
        t.AssertEq(dev.CreateBuffer(fd, 2 << 20, out int handle), 0);
        t.AssertEq(dev.MapGtt(fd, handle, TilingMode.X, 512, out GttMapping? map), 0);
        for (long i = 0; i < 1024; i++)
        {
            t.AssertEq(map!.Write(i * 4 * 97, (uint)i ^ 0xc0ffee00), 0);
        }

        t.Assert(map!.PresentPages > 0);
        long faults = dev.Mmaps.Faults;
        t.AssertEq(Spinner.Create(dev, fd, new SpinnerOptions { NoPreemption = true, FenceOut = true, Objects = [handle] }, out Spinner? spin), 0);
        t.Assert(spin!.WaitStarted(IgtSpin.StartTimeout));
        t.AssertEq(dev.Busy(fd, handle, out bool busy), 0);
        t.Assert(busy);
        t.AssertEq(IgtSync.Wait(spin.OutFence!, IgtTime.Limit(10)), 0);
        t.AssertEq(spin.OutFence!.Status, -Errno.EIO);
        t.Assert(dev.Reset.ResetCount >= 1);
        // The reset zapped the tiled object's PTEs (intel_gt_reset -> revoke_mmaps -> i915_vma_revoke_mmap).
        t.AssertEq(map.PresentPages, 0);
        for (long i = 0; i < 1024; i++)
        {
            t.AssertEq(map.Read(i * 4 * 97, out uint v), 0);
            t.AssertEqU32(v, (uint)i ^ 0xc0ffee00);
        }
        // ... so the reads above faulted the object back in (i915_gem_fault -> vm_fault_gtt).
        t.Assert(dev.Mmaps.Faults > faults);
        spin.Dispose();
        map.Dispose();
    }

    private static GttMapping Map(IgtContext t, GpuDevice dev, int fd, TilingMode tiling, int stride)
    {
        t.AssertEq(dev.CreateBuffer(fd, ObjectSize, out int handle), 0);
        t.AssertEq(dev.MapGtt(fd, handle, tiling, stride, out GttMapping? map), 0);
        return map!;
    }
}
