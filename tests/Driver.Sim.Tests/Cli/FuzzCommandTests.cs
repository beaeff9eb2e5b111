using Driver.Sim.Cli;

namespace Driver.Sim.Tests.Cli;

/// <summary><c>gpusim fuzz</c>: usage errors exit 2 with one clear message; a short clean run exits 0 and writes its JSON.</summary>
public class FuzzCommandTests
{
    [Theory]
    [InlineData("fuzz --seconds 0", "--seconds")]
    [InlineData("fuzz --seconds -3", "--seconds")]
    [InlineData("fuzz --seconds soon", "--seconds")]
    [InlineData("fuzz --seed 1.5", "--seed")]
    [InlineData("fuzz --seed 99999999999", "--seed")]
    [InlineData("fuzz --target kernel", "kernel")]
    [InlineData("fuzz --replay abc", "--replay needs one --target")]
    [InlineData("fuzz --target scenarios --scenarios /nonexistent/scenarios", "--scenarios")]
    public void AUsageErrorExitsTwoWithOneMessage(string commandLine, string message)
    {
        (int code, string output, string err) = Gpusim.Run(commandLine.Split(' '));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(message, err);
        Assert.Equal("", output);
        Gpusim.AssertNoInternals(err);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("!!!!!!!!!!!!!!")]
    public void AMalformedReplaySeedIsAUsageErrorNotAFailedRun(string seed)
    {
        // Exit 1 says the driver broke a property; a --replay that is no CsCheck seed ran no case at all, so it is a
        // bad command line (2) naming --replay, and no "replay:" line offering the same seed again.
        (int code, string output, string err) = Gpusim.Run("fuzz", "--target", "batches", "--seconds", "1", "--replay", seed);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--replay", err);
        Assert.DoesNotContain("FAILED", output + err);
        Gpusim.AssertNoInternals(err);
    }

    [Fact]
    public void AShortRunOfOneTargetPassesAndWritesJson()
    {
        string json = Path.Combine(Path.GetTempPath(), $"gpusim-fuzz-{Guid.NewGuid():N}.json");
        try
        {
            (int code, string output, string err) = Gpusim.Run("fuzz", "--target", "batches", "--seconds", "0.5", "--seed", "7", "--json", json);

            Assert.True(code == ExitCodes.Ok, output + err);
            Assert.Contains("seed 7", output);
            Assert.Contains("\"target\": \"batches\"", File.ReadAllText(json));
            Assert.Contains("\"passed\": true", File.ReadAllText(json));
        }
        finally
        {
            File.Delete(json);
        }
    }
}
