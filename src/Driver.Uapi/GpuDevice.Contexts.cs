using Driver.Core.Contexts;
using Driver.Core.Errors;

namespace Driver.Uapi;

public sealed partial class GpuDevice
{
    /// <summary>Flag of <see cref="GetResetStats"/>; none are defined, so any set bit is EINVAL.</summary>
    public const uint ResetStatsValidFlags = 0;

    /// <summary>
    /// Flags of <see cref="CreateContext"/> that GpuSim takes: none. I915_CONTEXT_CREATE_FLAGS_USE_EXTENSIONS (bit 0)
    /// and SINGLE_TIMELINE (bit 1) are not modelled, so they are -EINVAL like the kernel's unknown flags.
    /// </summary>
    public const uint ContextCreateValidFlags = 0;

    /// <summary>
    /// Creates a context (CONTEXT_CREATE_EXT, i915_gem_context_create_ioctl). -ENOENT for an unknown client, -EINVAL
    /// for unknown <paramref name="flags"/>, then -EIO while wedged, -EIO when the client is banned.
    /// </summary>
    public int CreateContext(int clientId, out int contextId, uint flags = 0)
    {
        contextId = 0;
        try
        {
            Client client = GetClient(clientId);
            if ((flags & ~ContextCreateValidFlags) != 0)
            {
                return -Errno.EINVAL;
            }

            if (IsWedged)
            {
                return -Errno.EIO;
            }

            if (client.IsBanned)
            {
                return -Errno.EIO;
            }

            GpuContext ctx = client.CreateContext();
            // proto_context_create: persistent by default only while enable_hangcheck is on.
            ctx.Persistent = EnableHangcheck;
            contextId = ctx.Id;
            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>
    /// Destroys a context (CONTEXT_DESTROY, i915_gem_context_destroy_ioctl), with the persistence rules of
    /// <see cref="CloseContext"/>. -EINVAL for a non-zero <paramref name="pad"/>, -ENOENT for the default context 0
    /// (it cannot be destroyed) and for an unknown or already destroyed one.
    /// </summary>
    public int DestroyContext(int clientId, int contextId, uint pad = 0)
    {
        try
        {
            Client client = GetClient(clientId);
            if (pad != 0)
            {
                return -Errno.EINVAL;
            }

            if (contextId == 0)
            {
                return -Errno.ENOENT;
            }

            CloseContext(client.RemoveContext(contextId));
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

        // context_close: without enable_hangcheck even persistent work is killed (kill_context).
        bool unwatched = PendingEngines(ctx).Any(e => !HasHeartbeat(e)) || Config.Reset.HeartbeatInterval <= TimeSpan.Zero
            || !EnableHangcheck;
        AddOrphan(ctx);
        if (ctx.Persistent && !unwatched)
        {
            return;
        }

        Kill(ctx, ctx.Persistent ? "closed without hangcheck" : "closed without persistence");
    }

    /// <summary>
    /// Sets a context parameter (CONTEXT_SETPARAM, i915_gem_context_setparam_ioctl / ctx_setparam). -ENOENT for an
    /// unknown context; -EINVAL for an unknown parameter or a non-zero <paramref name="size"/>. Bannable,
    /// Recoverable and Persistence take any non-zero value as "on". Bannable 0 needs privilege (-EPERM).
    /// Persistence: no change is 0; turning it on without hangcheck is -EINVAL, off without engine reset -ENODEV
    /// (__context_set_persistence). Priority: -1023..1023 else -EINVAL, above 0 needs privilege (-EPERM); requests
    /// built afterwards take it (the engines schedule by it and pass it on to the requests they wait on).
    /// </summary>
    public int SetContextParam(int clientId, int contextId, ContextParam param, long value, uint size = 0)
    {
        try
        {
            GpuContext ctx = GetClient(clientId).GetContext(contextId);
            if (param is not (ContextParam.Bannable or ContextParam.Recoverable or ContextParam.Persistence or ContextParam.Priority))
            {
                return -Errno.EINVAL;
            }

            // Every parameter GpuSim has is a plain value: the size field must be 0.
            if (size != 0)
            {
                return -Errno.EINVAL;
            }

            bool on = value != 0;
            switch (param)
            {
                case ContextParam.Bannable:
                    // Only privileged clients may make a context unbannable (CAP_SYS_ADMIN in i915).
                    if (!on && !ctx.Client.Privileged)
                    {
                        return -Errno.EPERM;
                    }

                    ctx.Bannable = on;
                    return 0;
                case ContextParam.Recoverable:
                    ctx.Recoverable = on;
                    return 0;
                case ContextParam.Persistence:
                    return SetPersistence(ctx, on);
                default:
                    // set_priority: the range first, then privilege to raise above the default (CAP_SYS_NICE).
                    if (value is < -1023 or > 1023)
                    {
                        return -Errno.EINVAL;
                    }

                    if (value > 0 && !ctx.Client.Privileged)
                    {
                        return -Errno.EPERM;
                    }

                    ctx.Priority = (int)value;
                    return 0;
            }
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>
    /// __context_set_persistence: asking for the state the context is in is 0 whatever else holds; persistent work
    /// must be watched by hangcheck (-EINVAL without enable_hangcheck); opting out needs a way to cancel the work,
    /// preempt-to-idle and then an engine reset (-ENODEV without engine reset, or with i915.reset below 2).
    /// </summary>
    private int SetPersistence(GpuContext ctx, bool on)
    {
        if (ctx.Persistent == on)
        {
            return 0;
        }

        // Only enable_hangcheck is asked: work a closed persistent context leaves on an engine without a heartbeat is
        // cancelled at the close (CloseContext), as i915 does when it is next scheduled.
        if (on && !EnableHangcheck)
        {
            return -Errno.EINVAL;
        }

        // intel_has_reset_engine: the hardware's engine reset and i915.reset >= 2.
        if (!on && !Reset.CanResetEngine)
        {
            return -Errno.ENODEV;
        }

        ctx.Persistent = on;
        return 0;
    }

    /// <summary>
    /// Reads a context parameter (CONTEXT_GETPARAM, i915_gem_context_getparam_ioctl): -ENOENT for an unknown context,
    /// then -EINVAL for an unknown parameter; flags read back as 0 or 1. (The kernel also writes size = 0 back.)
    /// </summary>
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
    /// GET_RESET_STATS (i915_gem_context_reset_stats_ioctl): how often this context was guilty (batch_active) or an innocent victim (batch_pending), and
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
