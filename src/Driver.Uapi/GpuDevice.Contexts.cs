using Driver.Core.Contexts;
using Driver.Core.Errors;

namespace Driver.Uapi;

public sealed partial class GpuDevice
{
    /// <summary>Flag of <see cref="GetResetStats"/>; none are defined, so any set bit is EINVAL.</summary>
    public const uint ResetStatsValidFlags = 0;

    /// <summary>
    /// Creates a context (CONTEXT_CREATE). -EIO while wedged or when the client is banned; ENOENT for an unknown client.
    /// </summary>
    public int CreateContext(int clientId, out int contextId)
    {
        contextId = 0;
        try
        {
            Client client = GetClient(clientId);
            if (IsWedged)
            {
                return -Errno.EIO;
            }

            if (client.IsBanned)
            {
                return -Errno.EIO;
            }

            contextId = client.CreateContext().Id;
            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>Destroys a context (CONTEXT_DESTROY), with the persistence rules of <see cref="CloseContext"/>.</summary>
    public int DestroyContext(int clientId, int contextId)
    {
        try
        {
            CloseContext(GetClient(clientId).RemoveContext(contextId));
            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>
    /// Closing a context: persistent work keeps running; a non-persistent context (or any context with work on an
    /// engine hangcheck does not watch, since nothing could ever stop that work) is banned, so its queued requests
    /// are skipped with -EIO and its running one is preempted away, or reset if it will not yield.
    /// </summary>
    private void CloseContext(GpuContext ctx)
    {
        if (!ctx.Close())
        {
            return;
        }

        bool unwatched = PendingEngines(ctx).Any(e => !HasHeartbeat(e)) || Config.Reset.HeartbeatInterval <= TimeSpan.Zero;
        if (ctx.Persistent && !unwatched)
        {
            AddOrphan(ctx);
            return;
        }
        Kill(ctx, ctx.Persistent ? "closed without hangcheck" : "closed without persistence");
    }

    /// <summary>Sets a context parameter (CONTEXT_SETPARAM). EINVAL for an unknown parameter or value.</summary>
    public int SetContextParam(int clientId, int contextId, ContextParam param, long value)
    {
        try
        {
            GpuContext ctx = GetClient(clientId).GetContext(contextId);
            switch (param)
            {
                case ContextParam.Bannable when value is 0 or 1:
                    // Only privileged clients may make a context unbannable (i915 needs CAP_SYS_ADMIN for that).
                    if (value == 0 && !ctx.Client.Privileged)
                    {
                        return -Errno.EPERM;
                    }

                    ctx.Bannable = value == 1;
                    return 0;
                case ContextParam.Recoverable when value is 0 or 1:
                    ctx.Recoverable = value == 1;
                    return 0;
                case ContextParam.Persistence when value is 0 or 1:
                    // Persistent work must be watched by hangcheck; opting out needs a way to cancel the work
                    // (preempt-to-idle, then an engine reset): __context_set_persistence.
                    if (value == 1 && Config.Reset.HeartbeatInterval <= TimeSpan.Zero)
                    {
                        return -Errno.EINVAL;
                    }

                    if (value == 0 && !Config.Reset.EngineResetEnabled)
                    {
                        return -Errno.ENODEV;
                    }

                    ctx.Persistent = value == 1;
                    return 0;
                case ContextParam.Priority when value is >= -1023 and <= 1023:
                    if (value > 0 && !ctx.Client.Privileged)
                    {
                        return -Errno.EPERM;
                    }

                    ctx.Priority = (int)value;
                    return 0;
                default:
                    return -Errno.EINVAL;
            }
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>Reads a context parameter (CONTEXT_GETPARAM).</summary>
    public int GetContextParam(int clientId, int contextId, ContextParam param, out long value)
    {
        value = 0;
        try
        {
            GpuContext ctx = GetClient(clientId).GetContext(contextId);
            switch (param)
            {
                case ContextParam.Bannable: value = ctx.Bannable ? 1 : 0; return 0;
                case ContextParam.Recoverable: value = ctx.Recoverable ? 1 : 0; return 0;
                case ContextParam.Persistence: value = ctx.Persistent ? 1 : 0; return 0;
                case ContextParam.Priority: value = ctx.Priority; return 0;
                default: return -Errno.EINVAL;
            }
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>
    /// GET_RESET_STATS: how often this context was guilty (batch_active) or an innocent victim (batch_pending), and
    /// the global reset count for privileged clients only (0 otherwise). ENOENT for an unknown context, EINVAL for
    /// unknown flags or a non-zero pad.
    /// </summary>
    public int GetResetStats(int clientId, int contextId, out ResetStats stats, uint flags = 0, uint pad = 0)
    {
        stats = default;
        if ((flags & ~ResetStatsValidFlags) != 0 || pad != 0)
        {
            return -Errno.EINVAL;
        }

        try
        {
            Client client = GetClient(clientId);
            GpuContext ctx = client.GetContext(contextId);
            stats = new ResetStats(client.Privileged ? Reset.ResetCount : 0, ctx.GuiltyCount, ctx.InnocentCount);
            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }
}
