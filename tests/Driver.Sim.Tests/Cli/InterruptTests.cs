using Driver.Sim.Cli;
using Driver.Sim.Tests.Scenarios;

namespace Driver.Sim.Tests.Cli;

/// <summary>
/// Ctrl-C (issue 18): the cursor a progress display hid comes back; a soak stops early, prints its partial summary
/// and the command that replays it with its seed.
/// </summary>
[Collection(ScenarioCollection.Name)]
public sealed class InterruptTests
{
    [Fact]
    public void APressRestoresTheCursorOnATerminal()
    {
        var terminal = new StringWriter();
        var handler = new Interrupt(terminal, TextWriter.Null, isTerminal: true);

        bool keepRunning = handler.OnPress();

        Assert.False(keepRunning);
        Assert.Equal("\u001b[?25h", terminal.ToString());
    }

    [Fact]
    public void RedirectedOutputGetsNoEscapeCodes()
    {
        var terminal = new StringWriter();

        new Interrupt(terminal, TextWriter.Null, isTerminal: false).OnPress();

        Assert.Equal("", terminal.ToString());
    }

    [Fact]
    public void TheFirstPressStopsAGracefulCommandAndTheSecondEndsTheProcess()
    {
        var stderr = new StringWriter();
        var handler = new Interrupt(TextWriter.Null, stderr, isTerminal: false);

        using (handler.Graceful())
        {
            Assert.True(handler.OnPress());
            Assert.True(handler.Token.IsCancellationRequested);
            Assert.Contains("gpusim: interrupted: stopping after this round", stderr.ToString());
            Assert.False(handler.OnPress());
        }
    }

    [Fact]
    public void AnInterruptedSoakPrintsItsPartialSummaryAndTheReplayCommand()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int code = SoakCommand.Execute(new SoakSettings { Seconds = 60, Seed = 4242, Threads = 1, Quiet = true, Interrupt = cancel.Token }, stdout, stderr);

        string output = stdout.ToString();
        Assert.True(code == ExitCodes.Interrupted, output + stderr);
        Assert.Contains("gpusim soak: ", output);
        Assert.Contains("seed 4242", output);
        Assert.Contains("interrupted after", output);
        Assert.Contains("invariant: held", output);
        Assert.Contains("reproduce with: gpusim soak --seconds 60 --seed 4242 --threads 1 --wedge-strategy epoch", output);
    }
}
