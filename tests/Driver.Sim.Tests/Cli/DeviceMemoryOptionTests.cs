using Driver.Core.Memory;
using Driver.Sim.Cli;
using Driver.Sim.Drm;
using Serilog.Core;

namespace Driver.Sim.Tests.Cli;

/// <summary>
/// <c>--memory-mb</c> of <c>gpusim serve</c> and <c>gpusim igt-run</c>: the size of the device's memory, the one
/// shared arena GEM objects take their pages from. On integrated i915 objects live in system memory (shmem, pages
/// allocated lazily), so IGT sizes its working sets by the GTT (gem_aperture_size) and the host's RAM, not by a
/// device budget: the default must hold more than the GTT, and a bad value is a usage error.
/// </summary>
public sealed class DeviceMemoryOptionTests
{
    [Theory]
    [InlineData("igt-run", "0", "out of range")]
    [InlineData("igt-run", "999999", "out of range")]
    [InlineData("igt-run", "lots", "is not a whole number")]
    [InlineData("serve", "-1", "out of range")]
    [InlineData("serve", "2G", "is not a whole number")]
    public void A_bad_memory_size_is_a_usage_error_naming_the_option(string command, string value, string why)
    {
        (int code, string output, string err) = command == "igt-run"
            ? Gpusim.Run("igt-run", "/bin/true", "--memory-mb", value)
            : Gpusim.Run("serve", "--driver", "probe", "--memory-mb", value);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.Contains($"--memory-mb: ", err);
        Assert.Contains(why, err);
        Gpusim.AssertOneMessageStyle(err);
        Gpusim.AssertNoInternals(err);
    }

    [Fact]
    public void The_option_is_gpusims_not_passed_on_to_the_IGT_binary()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(ShimLauncher.ShimPath) || RepoPaths.FindOnPath("sh") is null)
        {
            return; // no shim (no C compiler at build time): igt-run refuses to start, covered by its own test
        }
        string dir = Directory.CreateTempSubdirectory("gpusim-igt-run-mem-").FullName;
        string script = Path.Combine(dir, "fake_igt");
        File.WriteAllText(script, """
            #!/bin/sh
            echo "args:[$*]"
            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        try
        {
            (int code, string output, string err) = Gpusim.Run("igt-run", script, "--memory-mb", "64", "--run-subtest", "x", "--timeout", "60");
            Assert.True(code == 0, output + err);
            Assert.Contains("args:[--run-subtest x]", output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_device_gets_the_memory_asked_for()
    {
        using DrmDriverInstance driver = DrmDrivers.Create("i915", 64, Logger.None, out string? error)!;

        Assert.Null(error);
        Assert.Equal(64L << 20, MemoryOf(driver).ArenaSize);
    }

    [Fact]
    public void The_default_holds_more_than_the_whole_GTT_and_costs_no_RAM_until_used()
    {
        // gem_softpin@evict-single-offset and @allocator-evict create gem_aperture_size / 4 MiB + 1 objects of 4 MiB
        // (one more than fit the GTT, to force eviction) before executing any: with memory smaller than the GTT the
        // creates fail with -ENOMEM, which i915 on an integrated part (objects in shmem) never does.
        long rssBefore = Environment.WorkingSet;
        using DrmDriverInstance driver = DrmDrivers.Create("i915", new IgtRunSettings { Binary = "x" }.MemoryMb, Logger.None, out _)!;
        long rssAfter = Environment.WorkingSet;

        DeviceMemory memory = MemoryOf(driver);
        long gtt = ((Driver.Uapi.GpuDevice)driver.Device!).Gt.Ggtt.UserSize;
        Assert.True(memory.ArenaSize >= gtt + gtt / 2, $"{memory.ArenaSize >> 20} MiB of memory for a {gtt >> 20} MiB GTT");
        // The arena is a sparse memfd: creating the device touches none of it (a GEM object's pages neither: they
        // read zero without being written, PageArena's high-water mark).
        Assert.True(memory.ArenaFd >= 0 || !OperatingSystem.IsLinux(), "no memfd: the arena would be committed memory");
        Assert.True(rssAfter - rssBefore < memory.ArenaSize / 8, $"RSS grew by {(rssAfter - rssBefore) >> 20} MiB creating the device");
    }

    private static DeviceMemory MemoryOf(DrmDriverInstance driver) => ((Driver.Uapi.GpuDevice)driver.Device!).Gt.Memory;
}
