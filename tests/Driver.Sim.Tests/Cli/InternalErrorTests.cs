using System.CommandLine;
using Driver.Sim.Cli;

namespace Driver.Sim.Tests.Cli;

/// <summary>
/// An exception that escapes a command (issue 18) is a bug in gpusim: one line saying where to look, exit 70
/// (EX_SOFTWARE), never 1 (the run found a problem); the stack trace only when asked for, and in the --log file.
/// </summary>
public sealed class InternalErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpusim-internal-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The real command tree plus a command that fails the way a bug would.</summary>
    private static (int Code, string Out, string Err) RunBroken(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        RootCommand root = GpusimCli.Build(stdout, stderr);
        var broken = new Command("broken");
        broken.Options.Add(new Option<bool>("--verbose", "-v"));
        broken.Options.Add(new Option<string?>("--log"));
        broken.SetAction((Func<ParseResult, int>)(_ => throw new NullReferenceException("Object reference not set to an instance of an object.")));
        root.Subcommands.Add(broken);
        int code = GpusimCli.Run(root, args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void AnEscapingExceptionIsOneLineAndExit70()
    {
        (int code, string output, string err) = RunBroken("broken");

        Assert.Equal(ExitCodes.Internal, code);
        Assert.Equal(70, code);
        Assert.Equal("", output);
        string line = Assert.Single(err.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("gpusim: internal error: NullReferenceException: Object reference not set to an instance of an object. (see --log FILE / rerun with -v)", line);
    }

    [Fact]
    public void VerboseAddsTheStackTrace()
    {
        (int code, string _, string err) = RunBroken("broken", "-v");

        Assert.Equal(ExitCodes.Internal, code);
        Assert.StartsWith("gpusim: internal error: ", err);
        Assert.Contains("   at ", err);
    }

    [Fact]
    public void TheLogFileGetsTheStackTrace()
    {
        string log = Path.Combine(_dir, "gpusim.log");

        (int code, string _, string err) = RunBroken("broken", "--log", log);

        Assert.Equal(ExitCodes.Internal, code);
        Assert.Contains($"(see {log})", err);
        Assert.DoesNotContain("   at ", err);
        Assert.Contains("System.NullReferenceException", File.ReadAllText(log));
    }

    [Fact]
    public void ExitCodesAreDistinct()
    {
        int[] codes = [ExitCodes.Ok, ExitCodes.Failed, ExitCodes.Usage, ExitCodes.Internal, ExitCodes.Skipped, ExitCodes.Interrupted];
        Assert.Equal(codes.Length, codes.Distinct().Count());
    }
}
