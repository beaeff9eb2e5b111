using Driver.Igt;
using Driver.Sim.Cli;
using Driver.Sim.Igt;

namespace Driver.Sim.Tests.Cli;

/// <summary><c>igt --per-test-timeout</c> (issue 18): 0 is no timeout (igt_runner), negative and huge values are refused.</summary>
public sealed class IgtTimeoutTests
{
    [Fact]
    public void ZeroMeansNoTimeout()
    {
        Assert.Equal(Timeout.InfiniteTimeSpan, IgtCommand.PerTestTimeout(0));
        Assert.Equal(TimeSpan.FromSeconds(5), IgtCommand.PerTestTimeout(5));

        (int code, string output, string err) = Gpusim.Run("igt", "--run-subtest", "gem_eio@throttle", "--per-test-timeout", "0");

        Assert.True(code == IgtExitCode.Success, output + err);
        Assert.Contains("Subtest throttle: SUCCESS", output);
        Assert.DoesNotContain("TIMEOUT", output + err);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("2147483647")]
    [InlineData("86401")]
    public void NegativeAndHugeTimeoutsAreRefusedBeforeAnySubtest(string value)
    {
        (int code, string output, string err) = Gpusim.Run("igt", "--run-subtest", "gem_eio@throttle", "--per-test-timeout", value);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.Contains($"gpusim: error: --per-test-timeout: {value} is out of range (expected 0 to 86400)", err);
        Gpusim.AssertNoInternals(err);
    }

    [Fact]
    public void ATimeoutOutOfRangeFromCodeIsAUsageErrorNotACrash()
    {
        var stderr = new StringWriter();

        int code = IgtCommand.Run(Driver.Igt.Subtests.IgtSuite.Catalog, new IgtCommandOptions { RunSubtest = "gem_eio@throttle", PerTestTimeout = TimeSpan.FromSeconds(-1) }, TextWriter.Null, stderr);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--per-test-timeout must be 0 (none) to 86400 seconds", stderr.ToString());
    }
}
