using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Drm.I915.Layout;
using Driver.Uapi;
using static Driver.Drm.I915.Layout.ContextLayout;

namespace Driver.Drm.I915;

public sealed partial class I915Driver
{
    /// <summary>
    /// Test hook: runs when a context's first lookup (execbuf, GETPARAM, GET_RESET_STATS) finds a CONTEXT_SETPARAM of
    /// the proto-context in progress and is about to wait for it. Null in production.
    /// </summary>
    internal Action? ProtoContextLockContended { get; set; }

    /// <summary>
    /// CONTEXT_CREATE and CONTEXT_CREATE_EXT (i915_gem_context_create_ioctl; the plain create is the 8-byte prefix,
    /// so its pad reads as flags): -EINVAL for unknown flags, -EIO while wedged, -EIO for a banned client, then the
    /// extension chain (SETPARAM, checked as set_proto_ctx_param with ctx_id 0 else -EINVAL; others -EINVAL). The
    /// context stays a proto-context (ENGINES and VM settable) until first looked up. SINGLE_TIMELINE is taken but
    /// not modelled (docs/uapi.md).
    /// </summary>
    private int ContextCreate(IoctlCall c)
    {
        uint flags = c.Arg.U32(CreateFlags);
        if ((flags & CreateUnknownFlags) != 0)
        {
            return -Errno.EINVAL;
        }

        if (Device.IsWedged)
        {
            return -Errno.EIO;
        }

        if (Device.Clients.FirstOrDefault(cl => cl.Id == c.Client) is { IsBanned: true })
        {
            return -Errno.EIO;
        }

        var proto = new I915ContextState();
        var pending = new List<ArgBuffer>();
        if ((flags & CreateUseExtensions) != 0)
        {
            int err = WalkExtensions(c.Caller, c.Arg.U64(CreateExtensions), (name, at) =>
            {
                if (name != CreateExtSetParam)
                {
                    return -Errno.EINVAL;
                }

                // drm_i915_gem_context_create_ext_setparam: the extension header, then a drm_i915_gem_context_param.
                var ext = ArgBuffer.ReadUser(c.Caller, at, ExtSize + ParamSize);
                if (ext is null)
                {
                    return -Errno.EFAULT;
                }

                var param = new ArgBuffer(ext.Data.AsSpan(ExtSize, ParamSize).ToArray());
                if (param.U32(ParamCtx) != 0)
                {
                    return -Errno.EINVAL;
                }

                int ret = CheckProtoParam(c, proto, param);
                if (ret == 0)
                {
                    pending.Add(param);
                }

                return ret;
            });
            if (err != 0)
            {
                return err;
            }
        }

        int rc = Device.CreateContext(c.Client, out int id);
        if (rc != 0)
        {
            return rc;
        }

        foreach (ArgBuffer param in pending)
        {
            rc = ApplyDeviceParam(c.Client, id, param);
            if (rc != 0)
            {
                Device.DestroyContext(c.Client, id);
                return rc;
            }
        }

        lock (c.State.Lock)
        {
            c.State.Contexts[id] = proto;
        }

        c.Arg.SetU32(CreateId, (uint)id);
        return 0;
    }

    /// <summary>
    /// The part of set_proto_ctx_param that must be decided before the context exists: NO_ERROR_CAPTURE (size must
    /// be 0), ENGINES (the map), VM (no VMs: -ENOENT); BANNABLE / RECOVERABLE / PRIORITY / PERSISTENCE are checked
    /// here as GpuDevice would check them and applied once the context exists; anything else -EINVAL.
    /// </summary>
    private int CheckProtoParam(IoctlCall c, I915ContextState state, ArgBuffer p)
    {
        uint size = p.U32(ParamSizeField);
        long value = p.S64(ParamValue);
        switch (p.U64(ParamParam))
        {
            case ParamNoErrorCapture:
                if (size != 0)
                {
                    return -Errno.EINVAL;
                }

                state.NoErrorCapture = value != 0;
                return 0;
            case ParamEngines:
                return SetProtoEngines(c.Caller, state, size, p.U64(ParamValue));
            case ParamVm:
                return size != 0 ? -Errno.EINVAL : -Errno.ENOENT;
            case ParamSseu:
                // set_proto_ctx_sseu: shorter than drm_i915_gem_context_param_sseu -EINVAL; only gen11 reconfigures.
                return size < SseuSize ? -Errno.EINVAL : -Errno.ENODEV;
            case ParamBannable:
                return size != 0 ? -Errno.EINVAL : value == 0 && !Capable(c, Capabilities.SysAdmin) ? -Errno.EPERM : 0;
            case ParamRecoverable:
                return size != 0 ? -Errno.EINVAL : 0;
            case ParamPriority:
                if (size != 0)
                {
                    return -Errno.EINVAL;
                }

                return value is < -1023 or > 1023 ? -Errno.EINVAL : value > 0 && !Capable(c, Capabilities.SysNice) ? -Errno.EPERM : 0;
            case ParamPersistence:
                if (size != 0)
                {
                    return -Errno.EINVAL;
                }

                if (value != 0)
                {
                    return Device.EnableHangcheck ? 0 : -Errno.EINVAL;
                }

                return Device.Reset.CanResetEngine ? 0 : -Errno.ENODEV;
            default:
                return -Errno.EINVAL;
        }
    }

    /// <summary>The GpuDevice context parameter an I915_CONTEXT_PARAM_* is, or null for one the driver keeps itself.</summary>
    private static ContextParam? DeviceParam(ulong param) => param switch
    {
        ParamBannable => ContextParam.Bannable,
        ParamRecoverable => ContextParam.Recoverable,
        ParamPriority => ContextParam.Priority,
        ParamPersistence => ContextParam.Persistence,
        _ => null,
    };

    private int ApplyDeviceParam(int client, int ctx, ArgBuffer p) =>
        DeviceParam(p.U64(ParamParam)) is { } dp
            ? Device.SetContextParam(client, ctx, dp, p.S64(ParamValue), p.U32(ParamSizeField))
            : 0;

    /// <summary>
    /// set_proto_ctx_engines: -EINVAL for a size that is not the header plus whole engines, or more than 64 engines;
    /// each engine read (-EFAULT), an invalid class/instance pair left as a hole, an unknown engine -ENOENT; the
    /// engine extensions (load balance, bond, parallel submit) are not modelled: -EINVAL.
    /// </summary>
    private int SetProtoEngines(IDrmCaller caller, I915ContextState state, uint size, ulong user)
    {
        // "Cannot set engines twice"
        if (state.Engines is not null)
        {
            return -Errno.EINVAL;
        }

        if (size < EnginesHeader || (size - EnginesHeader) % ClassInstanceSize != 0)
        {
            return -Errno.EINVAL;
        }

        uint count = (size - EnginesHeader) / ClassInstanceSize;
        if (count > ExecbufLayout.RingMask + 1)
        {
            return -Errno.EINVAL;
        }

        var map = new EngineId?[count];
        for (uint n = 0; n < count; n++)
        {
            var ci = ArgBuffer.ReadUser(caller, user + EnginesHeader + n * ClassInstanceSize, ClassInstanceSize);
            if (ci is null)
            {
                return -Errno.EFAULT;
            }

            ushort cls = ci.U16(0);
            ushort instance = ci.U16(2);
            if (cls == ClassInvalid && instance == InstanceInvalidNone)
            {
                continue;
            }

            // intel_engine_lookup_user: one engine per class, instance 0.
            if (instance != 0 || !Options.Engines.Any(e => (int)e.Class() == cls))
            {
                return -Errno.ENOENT;
            }

            map[n] = Options.Engines.First(e => (int)e.Class() == cls);
        }

        var header = ArgBuffer.ReadUser(caller, user, EnginesHeader);
        if (header is null)
        {
            return -Errno.EFAULT;
        }

        int ret = WalkExtensions(caller, header.U64(0), static (_, _) => -Errno.EINVAL);
        if (ret != 0)
        {
            return ret;
        }

        state.Engines = map;
        return 0;
    }

    /// <summary>
    /// CONTEXT_DESTROY (i915_gem_context_destroy_ioctl): GpuDevice.DestroyContext (-EINVAL pad, -ENOENT for 0 or an
    /// unknown id), persistence rules applied.
    /// </summary>
    private int ContextDestroy(IoctlCall c)
    {
        int id = (int)c.Arg.U32(0);
        int ret = Device.DestroyContext(c.Client, id, c.Arg.U32(4));
        if (ret == 0)
        {
            lock (c.State.Lock)
            {
                c.State.Contexts.Remove(id);
            }
        }

        return ret;
    }

    /// <summary>
    /// CONTEXT_SETPARAM (i915_gem_context_setparam_ioctl): -ENOENT for an unknown context (looked up without
    /// finalizing it); a proto-context takes set_proto_ctx_param, a finalized one ctx_setparam, where ENGINES and VM
    /// are -EINVAL; BAN_PERIOD, NO_ZEROMAP, RINGSIZE, GTT_SIZE, SSEU and unknown params -EINVAL.
    /// </summary>
    private int ContextSetParam(IoctlCall c)
    {
        int id = (int)c.Arg.U32(ParamCtx);
        int ret = Device.LookupContext(c.Client, id, out _);
        if (ret != 0)
        {
            return ret;
        }

        I915ContextState state = c.State.Context(id);
        ulong param = c.Arg.U64(ParamParam);
        // Under the proto-context lock from the check to the end of set_proto_ctx_param, as the kernel holds
        // proto_context_lock: a first lookup meanwhile (execbuf) waits, and then runs with what this call set.
        lock (state.ProtoLock)
        {
            if (!state.Finalized)
            {
                // set_proto_ctx_param: checked as a proto-context (persistence without the same-state shortcut), then
                // applied to the GpuDevice context, which exists from creation in GpuSim.
                ret = CheckProtoParam(c, state, c.Arg);
                return ret != 0 ? ret : ApplyDeviceParam(c.Client, id, c.Arg);
            }
        }

        // ctx_setparam.
        if (param is ParamEngines or ParamVm)
        {
            return -Errno.EINVAL;
        }

        // ctx_setparam's capable() checks are on the caller's credentials: the device client only knows the driver's.
        uint sz = c.Arg.U32(ParamSizeField);
        long v = c.Arg.S64(ParamValue);
        if (sz == 0 && ((param == ParamBannable && v == 0 && !Capable(c, Capabilities.SysAdmin)) ||
                        (param == ParamPriority && v is > 0 and <= 1023 && !Capable(c, Capabilities.SysNice))))
        {
            return -Errno.EPERM;
        }

        if (DeviceParam(param) is { } dp)
        {
            return Device.SetContextParam(c.Client, id, dp, c.Arg.S64(ParamValue), c.Arg.U32(ParamSizeField));
        }

        return param is ParamNoErrorCapture or ParamSseu ? CheckProtoParam(c, state, c.Arg) : -Errno.EINVAL;
    }

    /// <summary>
    /// CONTEXT_GETPARAM (i915_gem_context_getparam_ioctl): -ENOENT (the lookup finalizes a proto-context); GTT_SIZE
    /// (the address space's size), NO_ERROR_CAPTURE, BANNABLE, RECOVERABLE, PRIORITY, PERSISTENCE with size 0;
    /// ENGINES (get_engines: size 0 without a map; the size asked for when size is 0; -EINVAL when too small;
    /// -EFAULT); anything else -EINVAL.
    /// </summary>
    private int ContextGetParam(IoctlCall c)
    {
        int id = (int)c.Arg.U32(ParamCtx);
        int ret = Device.LookupContext(c.Client, id, out _);
        if (ret != 0)
        {
            return ret;
        }

        I915ContextState state = c.State.Context(id);
        state.Finalize(ProtoContextLockContended);
        ulong param = c.Arg.U64(ParamParam);
        if (param == ParamEngines)
        {
            return GetEngines(c, state);
        }

        long value;
        if (param == ParamGttSize)
        {
            value = Device.Gt.Ggtt.UserSize;
        }
        else if (param == ParamNoErrorCapture)
        {
            value = state.NoErrorCapture ? 1 : 0;
        }
        else if (DeviceParam(param) is { } dp)
        {
            ret = Device.GetContextParam(c.Client, id, dp, out value);
            if (ret != 0)
            {
                return ret;
            }
        }
        else
        {
            return -Errno.EINVAL;
        }

        c.Arg.SetU32(ParamSizeField, 0);
        c.Arg.SetS64(ParamValue, value);
        return 0;
    }

    private static int GetEngines(IoctlCall c, I915ContextState state)
    {
        if (state.Engines is not { } map)
        {
            c.Arg.SetU32(ParamSizeField, 0);
            return 0;
        }

        uint size = (uint)(EnginesHeader + map.Length * ClassInstanceSize);
        uint room = c.Arg.U32(ParamSizeField);
        if (room == 0)
        {
            c.Arg.SetU32(ParamSizeField, size);
            return 0;
        }

        if (room < size)
        {
            return -Errno.EINVAL;
        }

        var out_ = new ArgBuffer(new byte[size]);
        for (int n = 0; n < map.Length; n++)
        {
            int at = EnginesHeader + n * ClassInstanceSize;
            out_.SetU16(at, map[n] is { } e ? (ushort)e.Class() : ClassInvalid);
            out_.SetU16(at + 2, map[n] is null ? InstanceInvalidNone : (ushort)0);
        }

        if (!out_.WriteUser(c.Caller, c.Arg.U64(ParamValue)))
        {
            return -Errno.EFAULT;
        }

        c.Arg.SetU32(ParamSizeField, size);
        return 0;
    }

    /// <summary>
    /// GET_RESET_STATS (i915_gem_context_reset_stats_ioctl): GpuDevice.GetResetStats (-EINVAL flags or pad, -ENOENT);
    /// reset_count is the global count only when the caller is capable(CAP_SYS_ADMIN) now, else 0: the check is on the
    /// calling process's credentials, so a child that dropped root after fork sees 0 on the fd it inherited.
    /// </summary>
    private int GetResetStats(IoctlCall c)
    {
        int id = (int)c.Arg.U32(0);
        int ret = Device.GetResetStats(c.Client, id, out ResetStats stats, c.Arg.U32(4), c.Arg.U32(20));
        if (ret != 0)
        {
            return ret;
        }

        c.State.Context(id).Finalize(ProtoContextLockContended);
        c.Arg.SetU32(8, Capable(c, Capabilities.SysAdmin) ? (uint)stats.ResetCount : 0);
        c.Arg.SetU32(12, (uint)stats.BatchActive);
        c.Arg.SetU32(16, (uint)stats.BatchPending);
        return 0;
    }

    /// <summary>capable(): the driver's <see cref="I915DriverOptions.Privileged"/> and the calling process's credentials.</summary>
    private bool Capable(IoctlCall c, int capability) => Options.Privileged && c.Caller.Capable(capability);
}
