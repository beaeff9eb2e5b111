using System.Diagnostics;
using System.Runtime.CompilerServices;
using Driver.Core.Contexts;
using Driver.Core.Hw;
using Driver.Core.Locking;
using Driver.Reset.Events;
using Driver.Reset.Recovery;

namespace Driver.Reset.Bans;

/// <summary>
/// i915's hang accounting (<c>mark_guilty</c>, <c>mark_innocent</c>, <c>client_mark_guilty</c>): guilty and innocent
/// counts per context, a ban for a bannable context that is not recoverable, is closed, or hangs for the third time
/// within the ban window (<see cref="ResetConfig.HangsToBan"/>), and a client score (+3 per banned context, +1 per hang
/// within the fast-hang window of the previous one, or of the client's open) that bans the client at 9.
/// </summary>
public sealed class BanPolicy(ResetConfig config, GpuEventStream events)
{
    private readonly DriverSpinLock _lock = new("ban->history_lock");
    // Per-context hang timestamps (i915 keeps them in the context: ctx->hang_timestamp[]), so they must die with the
    // context: a table with strong keys kept every context that ever hung, and all it references, for the device's life.
    private readonly ConditionalWeakTable<GpuContext, Queue<long>> _hangHistory = new();

    /// <summary>Contexts banned so far.</summary>
    public int ContextsBanned { get; private set; }

    /// <summary>
    /// Accounts a guilty hang of <paramref name="context"/> on <paramref name="engine"/>; returns whether the context
    /// is now banned there (__i915_request_reset → intel_context_ban bans the hung request's intel_context only: the
    /// context's other engines keep running).
    /// </summary>
    public bool MarkGuilty(GpuContext context, EngineId engine)
    {
        if (context.IsKernel)
        {
            return false;
        }

        if (context.IsClosed)
        {
            return BanContext(context, engine.Mask(), "closed");
        }

        context.MarkGuilty();
        long now = Stopwatch.GetTimestamp();
        context.LastGuiltyTimestamp = now;
        // Cool contexts are too cool to be banned: non-bannable ones are used to test resets.
        if (!context.Bannable)
        {
            return false;
        }

        bool banned = !context.Recoverable;
        // Leaf lock around the per-context hang history (no other lock is taken inside).
        using (_lock.Acquire())
        {
            Queue<long> history = _hangHistory.GetValue(context, _ => new Queue<long>());

            history.Enqueue(now);
            while (history.Count > config.HangsToBan)
            {
                history.Dequeue();
            }

            if (history.Count == config.HangsToBan && Elapsed(history.Peek(), now) < config.BanWindow)
            {
                banned = true;
            }
        }
        ClientMarkGuilty(context.Client, banned, now);
        return banned && BanContext(context, engine.Mask(), context.Recoverable ? "repeated hangs" : "not recoverable");
    }

    /// <summary>Accounts an innocent victim of a reset (reset stats: batch_pending).</summary>
    public static void MarkInnocent(GpuContext context)
    {
        if (!context.IsKernel)
        {
            context.MarkInnocent();
        }
    }

    /// <summary>Bans a context on every engine (a closed context's kill_engines); returns true.</summary>
    public bool BanContext(GpuContext context, string why) => BanContext(context, EngineIds.AllMask, why);

    /// <summary>
    /// Bans a context on the engines of <paramref name="engineMask"/>; returns true. The context's first ban is
    /// counted and announced.
    /// </summary>
    public bool BanContext(GpuContext context, uint engineMask, string why)
    {
        if (!context.Ban(engineMask))
        {
            return true;
        }

        // The hang history stays: mark_guilty keeps hang_timestamp[] for the context's life, so a later fast hang of a
        // banned context (it ran on two engines that hung together) is a ban again, +3 for its client.
        using (_lock.Acquire()) { ContextsBanned++; }
        events.Raise(GpuEventKind.ContextBanned, 0, $"context {context} banned: {why}");
        return true;
    }

    private void ClientMarkGuilty(Client client, bool banned, long now)
    {
        int score = banned ? 3 : 0;
        long prev = client.LastHangTimestamp;
        client.LastHangTimestamp = now;
        if (Elapsed(prev, now) < config.ClientFastHangWindow)
        {
            score += 1;
        }

        if (score == 0)
        {
            return;
        }

        int before = client.BanScore;
        int after = client.AddBanScore(score);
        if (before < Client.BanThreshold && after >= Client.BanThreshold)
        {
            events.Raise(GpuEventKind.ClientBanned, 0, $"client {client} banned (score {after})");
        }
    }

    private static TimeSpan Elapsed(long from, long to) => TimeSpan.FromSeconds((to - from) / (double)Stopwatch.Frequency);
}
