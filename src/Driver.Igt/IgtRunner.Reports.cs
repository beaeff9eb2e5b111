namespace Driver.Igt;

public sealed partial class IgtRunner
{
    /// <summary>igt_require's report, on stdout.</summary>
    private void ReportSkip(IgtSkipException e)
    {
        _output.Out($"Test requirement not met in function {e.Location.Function}, file {e.Location.File}:{e.Location.Line}:");
        _output.Out($"Test requirement: {e.Requirement}");
        if (e.Detail is { } detail)
        {
            foreach (string line in detail.Split('\n'))
            {
                _output.Out(line);
            }
        }
    }

    /// <summary>igt_assert's report on stderr, then "Subtest X failed." and the debug log.</summary>
    private void ReportFailure(IgtContext ctx, IgtFailException e)
    {
        Critical(ctx, $"Test assertion failure function {e.Location.Function}, file {e.Location.File}:{e.Location.Line}:");
        Critical(ctx, $"Failed assertion: {e.Assertion}");
        foreach (string detail in e.Details)
        {
            foreach (string line in detail.Split('\n'))
            {
                Critical(ctx, line);
            }
        }

        Failed(ctx);
    }

    /// <summary>An exception the subtest did not expect: the stack on stderr, then the debug log.</summary>
    private void ReportCrash(IgtContext ctx, Exception e)
    {
        Critical(ctx, $"Unexpected exception {e.GetType().FullName}: {e.Message}");
        foreach (string line in (e.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Critical(ctx, line.TrimEnd());
        }

        Failed(ctx);
    }

    private void Critical(IgtContext ctx, string line)
    {
        _output.Err($"{ctx.Prefix} CRITICAL: {line}");
        ctx.Ring.Add($"{ctx.Prefix} CRITICAL: {line}");
    }

    private void Failed(IgtContext ctx)
    {
        _output.Err(ctx.DynamicName is null ? $"Subtest {ctx.Name} failed." : $"Dynamic subtest {ctx.Name} failed.");
        DumpDebug(ctx);
    }

    private void DumpDebug(IgtContext ctx)
    {
        _output.Err("**** DEBUG ****");
        foreach (string line in ctx.Ring.Lines)
        {
            _output.Err(line);
        }

        _output.Err("****  END  ****");
    }
}
