using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Sim.Results;

namespace Driver.Sim.Runner;

/// <summary>
/// The submissions of one step: each fence with its engine, and the execbufs refused. Written only by the thread
/// running the step; read after that thread was joined (the join orders the accesses).
/// </summary>
internal sealed class WorkloadTracker(string name, string type, string? client, string? context)
{
    private readonly List<DmaFence> _fences = new();
    private readonly List<EngineId> _engines = new();
    private readonly SortedDictionary<string, int> _rejected = new(StringComparer.Ordinal);
    private int[]? _statuses;

    /// <summary>Step name.</summary>
    public string Name { get; } = name;

    /// <summary>Step type.</summary>
    public string Type { get; } = type;

    /// <summary>Whether the action succeeded, for actions that can fail.</summary>
    public bool? Succeeded { get; set; }

    /// <summary>The fences, in submission order.</summary>
    public IReadOnlyList<DmaFence> Fences => _fences;

    /// <summary>The engine of each fence.</summary>
    public IReadOnlyList<EngineId> Engines => _engines;

    /// <summary>Records a submission; returns its index.</summary>
    public int Submitted(DmaFence fence, EngineId engine)
    {
        _fences.Add(fence);
        _engines.Add(engine);
        return _fences.Count - 1;
    }

    /// <summary>Records a refused execbuf (<paramref name="error"/> is a negative errno).</summary>
    public void Rejected(int error)
    {
        string key = Errno.Name(error);
        _rejected[key] = _rejected.GetValueOrDefault(key) + 1;
    }

    /// <summary>
    /// Freezes every fence's status (0 while pending) so counts and store checks agree even if a late fence signals
    /// meanwhile.
    /// </summary>
    public void Snapshot() => _statuses = _fences.Select(f => f.Status).ToArray();

    /// <summary>The status of fence <paramref name="index"/> as of <see cref="Snapshot"/>.</summary>
    public int StatusAt(int index) => (_statuses ?? throw new InvalidOperationException("no snapshot"))[index];

    /// <summary>The fence outcomes as of <see cref="Snapshot"/>.</summary>
    public FenceCounts Count()
    {
        int[] statuses = _statuses ?? throw new InvalidOperationException("no snapshot");
        int ok = 0, pending = 0;
        var errors = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (int s in statuses)
        {
            if (s == 0)
            {
                pending++;
            }
            else if (s == 1)
            {
                ok++;
            }
            else
            {
                errors[Errno.Name(s)] = errors.GetValueOrDefault(Errno.Name(s)) + 1;
            }
        }
        return new FenceCounts
        {
            Submitted = statuses.Length,
            Ok = ok,
            Errors = errors,
            Unsignaled = pending,
            Rejected = new SortedDictionary<string, int>(_rejected, StringComparer.Ordinal),
        };
    }

    /// <summary>The result entry of this step.</summary>
    public WorkloadResult ToResult() => new()
    {
        Name = Name,
        Type = Type,
        Client = client,
        Context = context,
        Fences = Count(),
        Succeeded = Succeeded,
    };
}
