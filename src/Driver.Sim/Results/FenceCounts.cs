namespace Driver.Sim.Results;

/// <summary>Fence outcomes: submitted, signalled ok, signalled with an error (by errno name), still pending, refused at execbuf.</summary>
public sealed record FenceCounts
{
    /// <summary>Execbufs that returned a fence.</summary>
    public int Submitted { get; init; }

    /// <summary>Signalled without error.</summary>
    public int Ok { get; init; }

    /// <summary>Signalled with an error, by errno name ("EIO").</summary>
    public IReadOnlyDictionary<string, int> Errors { get; init; } = new SortedDictionary<string, int>();

    /// <summary>Not signalled when the bounded drain ended.</summary>
    public int Unsignaled { get; init; }

    /// <summary>Execbufs refused (no fence), by errno name.</summary>
    public IReadOnlyDictionary<string, int> Rejected { get; init; } = new SortedDictionary<string, int>();

    /// <summary>Execbufs attempted: submitted plus rejected.</summary>
    public int Attempted => Submitted + Rejected.Values.Sum();

    /// <summary>Signalled with <paramref name="errno"/> (a name such as "EIO").</summary>
    public int ErrorCount(string errno) => Errors.TryGetValue(errno, out int n) ? n : 0;

    /// <summary>Refused with <paramref name="errno"/>.</summary>
    public int RejectedCount(string errno) => Rejected.TryGetValue(errno, out int n) ? n : 0;
}
