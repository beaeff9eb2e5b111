using Driver.Core.Hw;

namespace Driver.Core.Contexts;

/// <summary>
/// A GPU context (i915_gem_context): an id within its client, a timeline per engine (created on first use),
/// scheduling and recovery parameters, and the hang statistics <c>GET_RESET_STATS</c> reports.
/// </summary>
public sealed class GpuContext
{
    private readonly Timeline?[] _timelines = new Timeline?[EngineIds.Count];
    private readonly StatusPageAllocator _statusPages;
    private int _guilty;
    private int _innocent;
    /// <summary>Engines (<see cref="EngineId"/> mask bits) whose intel_context of this context is banned.</summary>
    private int _banned;
    private int _closed;

    /// <summary>Creates a context; <paramref name="id"/> is unique within <paramref name="client"/>.</summary>
    public GpuContext(Client client, int id, StatusPageAllocator statusPages, bool isKernel = false)
    {
        Client = client;
        Id = id;
        IsKernel = isKernel;
        _statusPages = statusPages;
    }

    /// <summary>Owning client.</summary>
    public Client Client { get; }

    /// <summary>Context id within the client (0 is the client's default context).</summary>
    public int Id { get; }

    /// <summary>The kernel context (heartbeat pulses): never banned, never guilty of a user hang.</summary>
    public bool IsKernel { get; }

    /// <summary>Whether a hang may get this context banned (I915_CONTEXT_PARAM_BANNABLE).</summary>
    public bool Bannable { get; set; } = true;

    /// <summary>
    /// Whether the context survives a reset it was hit by (I915_CONTEXT_PARAM_RECOVERABLE). A non-recoverable
    /// context is banned by its first hang, so its next submission gets -EIO.
    /// </summary>
    public bool Recoverable { get; set; } = true;

    /// <summary>Whether its work keeps running after the context is closed (I915_CONTEXT_PARAM_PERSISTENCE).</summary>
    public bool Persistent { get; set; } = true;

    /// <summary>Scheduling priority (I915_CONTEXT_PARAM_PRIORITY), -1023..1023.</summary>
    public int Priority { get; set; }

    /// <summary>Times this context's request was guilty of a hang (reset stats: batch_active).</summary>
    public int GuiltyCount => Volatile.Read(ref _guilty);

    /// <summary>Times this context was an innocent victim of a reset (reset stats: batch_pending).</summary>
    public int InnocentCount => Volatile.Read(ref _innocent);

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of the last guilty hang, 0 if none.</summary>
    public long LastGuiltyTimestamp { get; set; }

    /// <summary>
    /// Banned on at least one engine (for reports). What a ban refuses is per engine: see <see cref="IsBannedOn"/>.
    /// </summary>
    public bool IsBanned => Volatile.Read(ref _banned) != 0;

    /// <summary>
    /// Whether the context is banned on <paramref name="engine"/> (intel_context_is_banned: i915 bans the hung
    /// request's intel_context, the pair context/engine, not the GEM context): submissions there fail with -EIO and
    /// its queued work there is skipped; its other engines are not affected.
    /// </summary>
    public bool IsBannedOn(EngineId engine) => (Volatile.Read(ref _banned) & (int)engine.Mask()) != 0;

    /// <summary>Closed by its client.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Counts a guilty hang; returns the new count.</summary>
    public int MarkGuilty() => Interlocked.Increment(ref _guilty);

    /// <summary>Counts an innocent reset.</summary>
    public void MarkInnocent() => Interlocked.Increment(ref _innocent);

    /// <summary>
    /// Bans the context on every engine (kill_engines revokes each of its intel_contexts); returns false if it was
    /// already banned somewhere.
    /// </summary>
    public bool Ban() => Ban(EngineIds.AllMask);

    /// <summary>
    /// Bans the context on the engines of <paramref name="engineMask"/> (intel_context_ban of those intel_contexts);
    /// returns false if it was already banned somewhere (the context's first ban is the one counted).
    /// </summary>
    public bool Ban(uint engineMask) => Interlocked.Or(ref _banned, (int)(engineMask & EngineIds.AllMask)) == 0;

    /// <summary>
    /// Marks the context closed and lets go of its timelines (<see cref="Timeline.Close"/>): each one's breadcrumb
    /// slot is freed once its last request signalled, and no request is built on it after that. Returns false if it
    /// already was closed.
    /// </summary>
    public bool Close()
    {
        // Full barrier before the table is read: pairs with the one in GetTimeline, so a timeline created as the
        // context closes is closed by one side or the other (Timeline.Close runs once).
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return false;
        }

        foreach (Timeline tl in Timelines)
        {
            tl.Close();
        }

        return true;
    }

    /// <summary>The timeline on <paramref name="engine"/>, created on first use.</summary>
    public Timeline GetTimeline(EngineId engine)
    {
        Timeline? tl = Volatile.Read(ref _timelines[(int)engine]);
        if (tl is not null)
        {
            return tl;
        }

        var created = new Timeline(this, engine, _statusPages);
        Timeline? raced = Interlocked.CompareExchange(ref _timelines[(int)engine], created, null);
        if (raced is not null)
        {
            // Another thread created it first: ours was never seen, its slot goes straight back.
            created.Close();
            return raced;
        }

        // The exchange is a full barrier before this read (pairs with Close): a Close that ran before the timeline was
        // published did not see it, so it is closed here; it has no request, so its slot goes back at once and a
        // request built on it fails (Timeline.TryGet).
        if (IsClosed)
        {
            created.Close();
        }

        return created;
    }

    /// <summary>Timelines created so far.</summary>
    public IEnumerable<Timeline> Timelines
    {
        get
        {
            foreach (Timeline? tl in _timelines)
            {
                if (tl is { } t)
                {
                    yield return t;
                }
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Client.Name}/ctx{Id}";
}
