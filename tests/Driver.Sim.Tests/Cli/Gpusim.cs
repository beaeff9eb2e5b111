using Driver.Sim.Cli;

namespace Driver.Sim.Tests.Cli;

/// <summary>Runs gpusim in-process, capturing its exit code, stdout and stderr.</summary>
internal static class Gpusim
{
    /// <summary>Runs <c>gpusim args…</c>.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = GpusimCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// What every message about user input must not contain: a stack trace, a .NET type name, System.Text.Json's or
    /// System.CommandLine's internals.
    /// </summary>
    public static void AssertNoInternals(string text)
    {
        Assert.DoesNotContain("   at ", text);
        Assert.DoesNotContain("System.", text);
        Assert.DoesNotContain("Exception", text);
        Assert.DoesNotContain("isFinalBlock", text);
        Assert.DoesNotContain("BytePosition", text);
        Assert.DoesNotContain("LineNumber", text);
    }

    /// <summary>Every line of <paramref name="stderr"/> is a gpusim message or the help pointer.</summary>
    public static void AssertOneMessageStyle(string stderr)
    {
        foreach (string line in stderr.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.True(line.StartsWith("gpusim: error: ", StringComparison.Ordinal) || line.StartsWith("Try 'gpusim ", StringComparison.Ordinal), line);
        }
    }
}
