using Driver.Drm.Server;

namespace Driver.Drm.Tests.Server;

/// <summary>The debugfs/sysfs tree on disk: layout, snapshots on open, writes to the driver.</summary>
public sealed class VirtualTreeTests : IDisposable
{
    private readonly FakeDrmDriver _driver = new();
    private readonly string _root = Directory.CreateTempSubdirectory("gpusim-tree-test-").FullName;

    public void Dispose()
    {
        _driver.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void Every_driver_file_exists_with_its_first_snapshot()
    {
        var tree = new VirtualTree(_driver, _root);
        Assert.Equal("rcs0\n", File.ReadAllText(Path.Combine(_root, "sysfs", "engine", "rcs0", "name")));
        Assert.Equal("1\n", File.ReadAllText(Path.Combine(_root, "module", "reset")));
        Assert.Equal(Path.Combine(_root, "debug", "dri", "0", "name"), tree.RealPath("debugfs/name"));
        Assert.True(File.Exists(Path.Combine(_root, "kmsg")));
        Assert.Null(tree.RealPath("debugfs/../../etc/passwd"));
    }

    [Fact]
    public void A_reader_gets_a_fresh_snapshot_a_writer_does_not()
    {
        var tree = new VirtualTree(_driver, _root);
        string wedged = Path.Combine(_root, "debug", "dri", "0", "i915_wedged");
        Assert.Equal(1, tree.Write("debugfs/i915_wedged", "1"u8));
        Assert.Equal("0\n", File.ReadAllText(wedged)); // not refreshed by the write itself
        const int OWrOnly = 1;
        Assert.Equal(0, tree.Open("debugfs/i915_wedged", OWrOnly));
        Assert.Equal("0\n", File.ReadAllText(wedged));
        Assert.Equal(0, tree.Open("debugfs/i915_wedged", 0));
        Assert.Equal("1\n", File.ReadAllText(wedged));
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, ".staging"))); // snapshots are renamed into place
    }

    [Fact]
    public void Write_errno_comes_from_the_driver()
    {
        var tree = new VirtualTree(_driver, _root);
        Assert.Equal(-16, tree.Write("debugfs/busy", "x"u8)); // -EBUSY
        Assert.Equal(-2, tree.Write("debugfs/nothing", "x"u8)); // not a driver file: -ENOENT
    }

    [Fact]
    public void Kmsg_writes_go_to_the_kernel_log_without_the_level()
    {
        var lines = new List<string>();
        var tree = new VirtualTree(_driver, _root, lines.Add);
        Assert.Equal(40, tree.Write(VirtualTree.Kmsg, "<6>[IGT] gem_eio: starting subtest wait\n"u8));
        Assert.Equal(8, tree.Write(VirtualTree.Kmsg, "no level"u8));
        Assert.Equal(["[IGT] gem_eio: starting subtest wait", "no level"], lines);
    }
}
