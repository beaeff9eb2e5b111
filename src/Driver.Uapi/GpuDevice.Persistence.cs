using Driver.Core.Contexts;
using Driver.Core.Hw;
using Driver.Core.Locking;

namespace Driver.Uapi;

public sealed partial class GpuDevice
{
    /// <summary>Guards <see cref="_orphans"/>; a leaf lock.</summary>
    private readonly DriverSpinLock _orphansLock = new("i915->gem.contexts.lock");

    /// <summary>
    /// Closed contexts whose work may still be running or held: persistent ones left to finish, and killed ones whose
    /// requests the engines have yet to skip. i915 keeps their timelines on gt->timelines.active_list until idle, and
    /// so does GpuSim here: the unwedge waits for them and the unload wedge cancels them (<see cref="AllTimelines"/>).
    /// </summary>
    private readonly List<GpuContext> _orphans = new();

    /// <summary>The engines on which <paramref name="ctx"/> still has unfinished work.</summary>
    private static IEnumerable<EngineId> PendingEngines(GpuContext ctx) =>
        ctx.Timelines.Where(tl => tl.IsLastPending).Select(tl => tl.Engine);

    /// <summary>Whether hangcheck watches <paramref name="engine"/> (its heartbeat is on).</summary>
    private bool HasHeartbeat(EngineId engine) =>
        Config.Reset.HeartbeatInterval > TimeSpan.Zero && Heartbeat.GetInterval(engine) > TimeSpan.Zero;

    /// <summary>Remembers a context closed with work in flight, dropping orphans that went idle.</summary>
    private void AddOrphan(GpuContext ctx)
    {
        using (_orphansLock.Acquire())
        {
            _orphans.RemoveAll(o => !PendingEngines(o).Any());
            if (PendingEngines(ctx).Any())
            {
                _orphans.Add(ctx);
            }
        }
    }

    /// <summary>A snapshot of the closed contexts that had work in flight when last looked at.</summary>
    private GpuContext[] Orphans()
    {
        using (_orphansLock.Acquire())
        {
            return [.. _orphans];
        }
    }

    /// <summary>
    /// The heartbeat of <paramref name="engine"/> was switched off: nothing could ever stop the work that closed
    /// persistent contexts left there, so it is cancelled (i915 marks such contexts exiting when they are next
    /// scheduled: __execlists_schedule_in, "closed &amp;&amp; !intel_engine_has_heartbeat").
    /// </summary>
    private void KillOrphansOn(EngineId engine)
    {
        List<GpuContext> doomed;
        using (_orphansLock.Acquire())
        {
            // Killed ones stay listed: their work is still in flight until the engines skip it.
            doomed = _orphans.Where(o => !o.IsBannedOn(engine) && PendingEngines(o).Contains(engine)).ToList();
        }
        // Only the intel_context on this engine: __execlists_schedule_in marks a closed context exiting per engine, so
        // its work on engines whose heartbeat still runs is left to finish.
        foreach (GpuContext ctx in doomed)
        {
            Kill(ctx, engine.Mask(), "closed while its engine lost its heartbeat");
        }
    }

    /// <summary>Bans a closed context and revokes it from the engines: its queued work is skipped, its running batch preempted or reset.</summary>
    private void Kill(GpuContext ctx, string why) => Kill(ctx, EngineIds.AllMask, why);

    /// <summary>Bans a closed context on the engines of <paramref name="engineMask"/> and revokes it there.</summary>
    private void Kill(GpuContext ctx, uint engineMask, string why)
    {
        Reset.Bans.BanContext(ctx, engineMask, why);
        Heartbeat.Revoke(ctx);
    }
}
