using Driver.Sim.Cli;

namespace Driver.Sim.Tests.Cli;

/// <summary>
/// Bad command lines (issue 18): a message naming the option and the bad value, exit 2, the subcommand's help,
/// "did you mean" for typos, one message style, and never a stack trace or a .NET type name.
/// </summary>
public sealed class ParseErrorTests
{
    [Theory]
    [InlineData("info --preempt-timeout-ms abc", "--preempt-timeout-ms: 'abc' is not a whole number (expected 0 to 600000)", "info")]
    [InlineData("info --heartbeat-ms 99999999999", "--heartbeat-ms: 99999999999 is out of range (expected 0 to 600000)", "info")]
    [InlineData("info --memory-mb abc", "--memory-mb: 'abc' is not a whole number (expected 16 to 2048)", "info")]
    [InlineData("info --memory-mb 0", "--memory-mb: 0 is out of range (expected 16 to 2048)", "info")]
    [InlineData("soak --seconds abc", "--seconds: 'abc' is not a number", "soak")]
    [InlineData("soak --threads 65", "--threads: 65 is out of range (expected 1 to 64)", "soak")]
    [InlineData("run --seed abc", "--seed: 'abc' is not a whole number", "run")]
    [InlineData("run --seed 99999999999", "--seed: 99999999999 is out of range", "run")]
    [InlineData("igt --per-test-timeout -1", "--per-test-timeout: -1 is out of range (expected 0 to 86400)", "igt")]
    [InlineData("igt --per-test-timeout 2147483647", "--per-test-timeout: 2147483647 is out of range (expected 0 to 86400)", "igt")]
    [InlineData("vulkan-smoke --vk-device abc", "--vk-device: 'abc' is not a whole number", "vulkan-smoke")]
    [InlineData("run --wedge-strategy rcu", "--wedge-strategy: 'rcu' is not one of epoch, stop-machine", "run")]
    [InlineData("run --scenario", "--scenario needs a value", "run")]
    public void ABadValueNamesTheOptionAndTheValueAndExitsTwo(string commandLine, string message, string command)
    {
        (int code, string output, string err) = Gpusim.Run(commandLine.Split(' '));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.Contains($"gpusim: error: {message}", err);
        Assert.EndsWith($"Try 'gpusim {command} --help' for more information.{Environment.NewLine}", err);
        Gpusim.AssertNoInternals(err);
        Gpusim.AssertOneMessageStyle(err);
    }

    [Theory]
    [InlineData("info --preempt-timout-ms 5", "unknown option '--preempt-timout-ms' (did you mean '--preempt-timeout-ms'?)", "info")]
    [InlineData("run --sed 5", "unknown option '--sed' (did you mean '--seed'?)", "run")]
    [InlineData("infp", "unknown command 'infp' (did you mean 'info'?)", "")]
    [InlineData("vulkan-smok", "unknown command 'vulkan-smok' (did you mean 'vulkan-smoke'?)", "")]
    [InlineData("run --wedge-strategy stop-machin", "(did you mean 'stop-machine'?)", "run")]
    [InlineData("run --frobnicate", "unknown option '--frobnicate'", "run")]
    public void ATypoGetsADidYouMean(string commandLine, string message, string command)
    {
        (int code, string _, string err) = Gpusim.Run(commandLine.Split(' '));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(message, err);
        Assert.Contains($"Try 'gpusim {(command.Length > 0 ? command + " " : "")}--help'", err);
        // The value after a mistyped option is not reported again as an argument of its own.
        Assert.DoesNotContain("unexpected argument '5'", err);
        Gpusim.AssertOneMessageStyle(err);
    }

    [Fact]
    public void NothingCloseGetsNoSuggestion()
    {
        (int _, string _, string err) = Gpusim.Run("run", "--zzzzzzzz");

        Assert.Contains("unknown option '--zzzzzzzz'", err);
        Assert.DoesNotContain("did you mean", err);
    }

    [Fact]
    public void NoCommandListsTheCommands()
    {
        (int code, string _, string err) = Gpusim.Run();

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("gpusim: error: no command given; one of: run, info, soak", err);
        Assert.Contains("Try 'gpusim --help'", err);
    }

    [Fact]
    public void LockdepWithNothingToDoSaysSo()
    {
        (int code, string output, string err) = Gpusim.Run("lockdep");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.Contains("gpusim: error: say what to do: --list, or --demo NAME with NAME one of stop-machine-splat", err);
        Assert.Contains("Try 'gpusim lockdep --help'", err);
    }

    [Fact]
    public void AnUnknownDemoOrBenchGroupGetsADidYouMean()
    {
        (int demoCode, string _, string demoErr) = Gpusim.Run("lockdep", "--demo", "epoch-wedg");
        (int benchCode, string _, string benchErr) = Gpusim.Run("bench", "--only", "latencyy");

        Assert.Equal(ExitCodes.Usage, demoCode);
        Assert.Contains("gpusim: error: unknown demo 'epoch-wedg' (did you mean 'epoch-wedge'?)", demoErr);
        Assert.Equal(ExitCodes.Usage, benchCode);
        Assert.Contains("gpusim: error: unknown group(s) latencyy (did you mean 'latency'?)", benchErr);
    }

    [Theory]
    [InlineData("info --heartbeat-ms x --engine-reset --no-engine-reset")]
    [InlineData("info --engine-reset=maybe --no-engine-reset")]
    [InlineData("info --full-reset --no-full-reset --memory-mb 99999999999")]
    public void TheCommandsValidatorNeverTripsOverAValueThatFailedToParse(string commandLine)
    {
        // The command's validator reads the flags; it used to read a value that had failed to parse and abort the
        // process (SIGABRT, exit 134). System.CommandLine reports the validator's error alone in that case.
        (int code, string _, string err) = Gpusim.Run(commandLine.Split(' '));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("gpusim: error: ", err);
        Gpusim.AssertNoInternals(err);
        Gpusim.AssertOneMessageStyle(err);
    }

    [Theory]
    [InlineData("--sed", new[] { "--seed", "--json" }, new[] { "--seed" })]
    [InlineData("stop-machin", new[] { "epoch", "stop-machine" }, new[] { "stop-machine" })]
    [InlineData("--jsno", new[] { "--json", "--log" }, new[] { "--json" })]
    [InlineData("--x", new[] { "--json", "--log" }, new string[0])]
    public void SuggestionsAreTheNearestCandidates(string typed, string[] candidates, string[] expected) =>
        Assert.Equal(expected, Suggestions.Closest(typed, candidates));
}
