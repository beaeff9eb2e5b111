using System.CommandLine;
using System.Text.Json;
using Driver.Reset.Mmap;
using Driver.Sim.Glitch;

namespace Driver.Sim.Tests.Mmap;

public class GlitchCommandTests
{
    [Theory]
    [InlineData("--policy", "bogus", "--policy must be one of glitch, stop-machine, revoke")]
    [InlineData("--policy", "Revoke", "--policy must be one of")]
    [InlineData("--seconds", "0", "--seconds must be")]
    [InlineData("--seconds", "-1", "--seconds must be")]
    [InlineData("--seconds", "abc", "--seconds must be")]
    [InlineData("--seconds", "NaN", "--seconds must be")]
    [InlineData("--threads", "0", "--threads must be")]
    [InlineData("--threads", "65", "--threads must be")]
    [InlineData("--threads", "1.5", "--threads must be")]
    [InlineData("--json", "/nonexistent-dir/x.json", "--json")]
    public void BadOptionValuesExitWithTwoAndSayWhy(string option, string value, string message)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var config = new InvocationConfiguration { Output = output, Error = error };
        int exit = GlitchCommand.Build().Parse([option, value]).Invoke(config);
        Assert.Equal(GlitchCommand.UsageError, exit);
        Assert.Contains(message, error.ToString());
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public void RunsAndWritesJsonWithExactlyTheDocumentedKeys()
    {
        string path = Path.Combine(Path.GetTempPath(), $"glitch-{Guid.NewGuid():N}.json");
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int exit = GlitchCommand.Execute("revoke", "0.2", "1", path, output, error);
            Assert.Equal(0, exit);
            Assert.Equal("", error.ToString());
            Assert.Contains("policy: revoke", output.ToString());
            Assert.Contains("glitchedReads: 0", output.ToString());

            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            string[] keys = doc.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
            Assert.Equal(["policy", "resets", "wedges", "accesses", "glitchedReads", "misplacedWrites", "glitchesByPath", "maxStallUs", "accessesPerSecond"], keys);
            Assert.Equal("revoke", doc.RootElement.GetProperty("policy").GetString());
            Assert.True(doc.RootElement.GetProperty("resets").GetInt32() > 0);
            Assert.True(doc.RootElement.GetProperty("accesses").GetInt64() > 0);
            Assert.Equal(0, doc.RootElement.GetProperty("glitchedReads").GetInt64());
            Assert.Equal(0, doc.RootElement.GetProperty("misplacedWrites").GetInt64());
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// __intel_gt_set_wedged resets the hardware without revoking mmaps: under the revoke policy, accesses in a
    /// wedge's window may glitch (how many depends on scheduling; HardwareResetModelTests forces one), are charged to
    /// the wedge or unwedge, and do not count as the policy failing.
    /// </summary>
    [Theory]
    [InlineData(MmapResetPolicy.Revoke)]
    [InlineData(MmapResetPolicy.StopMachine)]
    public void ReadBackDamageUnderAProtectingPolicyWithoutWedgesFailsTheRunWhateverTheGlitchCounters(MmapResetPolicy policy)
    {
        // gem_mmap_gtt@hang's verdict is the user's read-back (a value that is not the pattern written), not the
        // driver's own count of misrouted accesses: a protecting policy whose protection misroutes an access without
        // counting it (here: 12 read-backs wrong, no glitch counted) must still fail the run. Without wedges no window
        // but the full reset's can explain the damage (with wedges, theirs may: i915 revokes nothing there).
        var damaged = new GlitchResult(policy.ToName(), Resets: 10, Accesses: 100_000, GlitchedReads: 0, MisplacedWrites: 0,
            new GlitchPaths(0, 0, 0), Wedges: 0, MaxStallUs: 10, AccessesPerSecond: 1e6, Mismatches: 12, FailedAccesses: 0);

        string? failure = GlitchCommand.Failure(damaged, policy);

        Assert.NotNull(failure);
        Assert.Contains("12 read-backs", failure);
        Assert.Null(GlitchCommand.Failure(damaged, MmapResetPolicy.Glitch));
        Assert.Null(GlitchCommand.Failure(damaged with { Wedges = 1 }, policy));
        Assert.Null(GlitchCommand.Failure(damaged with { Mismatches = 0 }, policy));
    }

    [Theory]
    [InlineData(MmapResetPolicy.Revoke, 0, 10)]
    [InlineData(MmapResetPolicy.StopMachine, 0, 10)]
    [InlineData(MmapResetPolicy.Glitch, 0, 10)]
    [InlineData(MmapResetPolicy.Revoke, 100_000, 0)]
    public void ARunThatMeasuredNothingFailsInsteadOfPassing(MmapResetPolicy policy, long accesses, int resets)
    {
        // gem_mmap_gtt@hang checks the user's accesses across resets: a run with no access, or no reset
        // (intel_gt_reset), under it checked nothing, and "no glitch, no mismatch" from it is not a pass.
        var empty = new GlitchResult(policy.ToName(), Resets: resets, Accesses: accesses, GlitchedReads: 0, MisplacedWrites: 0,
            new GlitchPaths(0, 0, 0), Wedges: 0, MaxStallUs: 0, AccessesPerSecond: 0, Mismatches: 0, FailedAccesses: 0);

        string? failure = GlitchCommand.Failure(empty, policy);

        Assert.NotNull(failure);
        Assert.Contains("measured nothing", failure);
    }

    [Fact]
    public void WedgeWindowsGlitchUnderRevokeAndAreReportedByPath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"glitch-{Guid.NewGuid():N}.json");
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int exit = GlitchCommand.Execute("revoke", "1", "2", path, output, error, wedgeEveryText: "1");

            Assert.Equal(0, exit);
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement byPath = doc.RootElement.GetProperty("glitchesByPath");
            Assert.True(doc.RootElement.GetProperty("wedges").GetInt32() > 0);
            Assert.Equal(0, byPath.GetProperty("fullReset").GetInt64());
            Assert.Equal(
                doc.RootElement.GetProperty("glitchedReads").GetInt64() + doc.RootElement.GetProperty("misplacedWrites").GetInt64(),
                byPath.GetProperty("wedge").GetInt64() + byPath.GetProperty("unwedge").GetInt64());
            Assert.Contains("glitchesByPath: fullReset 0, wedge ", output.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
