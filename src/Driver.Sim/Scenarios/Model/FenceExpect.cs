namespace Driver.Sim.Scenarios.Model;

/// <summary>Expected fence outcomes (whole run or one step). "all" means every submission in scope.</summary>
public sealed record FenceExpect
{
    /// <summary>Execbufs that returned a fence.</summary>
    public CountRange? Submitted { get; init; }

    /// <summary>Fences signalled without error; "all" here means every attempt in scope (none refused).</summary>
    public CountRange? Ok { get; init; }

    /// <summary>Fences signalled with an error, by errno name ("EIO", "EAGAIN", ...).</summary>
    public IReadOnlyDictionary<string, CountRange>? Errors { get; init; }

    /// <summary>The only errors allowed; any other error fails the expectation.</summary>
    public IReadOnlyList<string>? AllowedErrors { get; init; }

    /// <summary>Fences still pending after the drain.</summary>
    public CountRange? Unsignaled { get; init; }

    /// <summary>Execbufs refused, by errno name; "all" here means every attempt in scope.</summary>
    public IReadOnlyDictionary<string, CountRange>? Rejected { get; init; }
}
