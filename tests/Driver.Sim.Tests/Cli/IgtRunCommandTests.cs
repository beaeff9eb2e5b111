using Driver.Igt;
using Driver.Sim.Cli;
using Driver.Sim.Drm;

namespace Driver.Sim.Tests.Cli;

/// <summary>
/// <c>gpusim igt-run</c> and <c>gpusim serve</c> (issue 19): bad command lines are one clear message, IGT's subtest
/// lines become results.json, and a program under the shim sees the device node and its debugfs.
/// </summary>
public sealed class IgtRunCommandTests
{
    [Fact]
    public void A_missing_binary_is_a_usage_error()
    {
        (int code, string output, string err) = Gpusim.Run("igt-run", "/nonexistent/gem_exec_fence", "--run-subtest", "basic-busy");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.Contains("gpusim: error: no such IGT binary: /nonexistent/gem_exec_fence", err);
        Gpusim.AssertOneMessageStyle(err);
        Gpusim.AssertNoInternals(err);
    }

    [Fact]
    public void An_unknown_driver_is_a_usage_error()
    {
        (int code, _, string err) = Gpusim.Run("igt-run", "/bin/true", "--driver", "nonsense");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("unknown --driver 'nonsense'", err);
        Gpusim.AssertNoInternals(err);
    }

    [Fact]
    public void Serve_refuses_a_socket_in_a_missing_directory()
    {
        (int code, _, string err) = Gpusim.Run("serve", "--socket", "/nonexistent-dir/x.sock");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--socket: no such directory", err);
        Gpusim.AssertNoInternals(err);
    }

    [Fact]
    public void Output_lines_become_subtest_records()
    {
        var parser = new IgtOutputParser("gem_x");
        string[] stdout =
        [
            "IGT-Version: 2.2",
            "Starting subtest: a",
            "\u001b[1mSubtest a: SUCCESS (0.010s)\u001b[0m",
            "Subtest never-started: SKIP (0.000s)", // its fixture skipped: igt reports it without a start line
            "Starting subtest: b",
            "Starting dynamic subtest: rcs0",
            "Dynamic subtest rcs0: FAIL (0.500s)",
            "Subtest b: FAIL (0.600s)",
            "Starting subtest: c",
        ];
        foreach (string line in stdout)
        {
            parser.Line(line, isError: false);
        }
        parser.Line("(gem_x:1) CRITICAL: failed", isError: true);
        IReadOnlyList<IgtTestRecord> records = parser.Records(IgtResult.Crash);
        Assert.Equal(["igt@gem_x@a", "igt@gem_x@never-started", "igt@gem_x@b", "igt@gem_x@c"], records.Select(r => r.Name));
        Assert.Equal([IgtResult.Success, IgtResult.Skip, IgtResult.Fail, IgtResult.Crash], records.Select(r => r.Result));
        Assert.Equal("igt@gem_x@b@rcs0", Assert.Single(records[2].Dynamic).Name);
        Assert.Contains("CRITICAL: failed", records[3].Err); // stderr lands in the subtest open at the time
        Assert.Equal(TimeSpan.FromSeconds(0.6), records[2].Duration);
    }

    [Fact]
    public void A_program_under_the_shim_sees_the_device_and_its_debugfs()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(ShimLauncher.ShimPath) || RepoPaths.FindOnPath("sh") is null)
        {
            return; // no shim (no C compiler at build time): igt-run says so itself, covered by the message test
        }
        string dir = Directory.CreateTempSubdirectory("gpusim-igt-run-").FullName;
        string script = Path.Combine(dir, "fake_igt");
        // An IGT-shaped program: the shell's test -c stats /dev/dri/card0 and cat reads debugfs, both through the shim.
        File.WriteAllText(script, """
            #!/bin/sh
            echo "Starting subtest: device"
            if [ -c /dev/dri/card0 ] && grep -q '^i915 ' /sys/kernel/debug/dri/0/name; then r=SUCCESS; else r=FAIL; fi
            echo "Subtest device: $r (0.001s)"
            [ "$r" = SUCCESS ]
            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        try
        {
            (int code, string output, string err) = Gpusim.Run("igt-run", script, "--results", dir, "--timeout", "60");
            Assert.True(code == 0, output + err);
            Assert.Contains("Subtest device: SUCCESS", output);
            string json = File.ReadAllText(Path.Combine(dir, "results.json"));
            Assert.Contains("\"igt@fake_igt@device\"", json);
            Assert.Contains("\"result\": \"pass\"", json);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
