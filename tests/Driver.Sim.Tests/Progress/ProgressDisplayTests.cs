using Driver.Sim.Progress;

namespace Driver.Sim.Tests.Progress;

/// <summary>The progress display stays off the way tests and CI run (a captured writer, redirected output, --quiet).</summary>
public class ProgressDisplayTests
{
    private sealed class FixedSource : IProgressSource
    {
        public int Reads;
        public ProgressSnapshot Read()
        {
            Interlocked.Increment(ref Reads);
            return new ProgressSnapshot("x", 1, 2);
        }
    }

    [Fact]
    public void NotShownOnACapturedWriterOrWhenQuiet()
    {
        Assert.False(ProgressDisplay.Enabled(new StringWriter(), quiet: false));
        Assert.False(ProgressDisplay.Enabled(Console.Out, quiet: true));
    }

    [Fact]
    public void WithoutADisplayTheWorkRunsInlineAndItsExceptionsPropagate()
    {
        var source = new FixedSource();
        int thread = Environment.CurrentManagedThreadId;

        Assert.Equal(thread, ProgressDisplay.Run(false, source, () => Environment.CurrentManagedThreadId));
        Assert.Throws<InvalidOperationException>(() => ProgressDisplay.Run<int>(false, source, () => throw new InvalidOperationException()));
        Assert.Equal(0, source.Reads);
    }
}
