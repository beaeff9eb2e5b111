using Driver.Core.Errors;
using Driver.Uapi;
using Serilog;

namespace Driver.Drm.I915;

/// <summary>
/// The i915 DRM driver over one <see cref="GpuDevice"/>: what a real process's ioctls, mmaps and virtual files mean.
/// <see cref="Ioctl"/> is drm_ioctl (the argument copied in and out by the ioctl's encoded size, zero-filled when the
/// user's struct is shorter than the kernel's) and each handler one i915 ioctl, decoding its struct from the
/// argument with the exact layout (Layout/) and answering i915's errno on every error path. docs/uapi.md maps each
/// ioctl to GpuDevice. The other parts: core DRM (I915Driver.Core.cs), GETPARAM and QUERY (I915Driver.Params.cs), GEM
/// objects (I915Driver.Gem.cs), PRIME (I915Driver.Prime.cs), execbuf (I915Driver.Execbuf.cs), contexts
/// (I915Driver.Contexts.cs), sync_file (I915Driver.SyncFile.cs), syncobjs (I915Driver.Syncobj.cs), virtual files
/// (I915Driver.Files.cs).
/// </summary>
public sealed partial class I915Driver : IDrmDriver
{
    private readonly ILogger _log;
    private readonly Dictionary<uint, IoctlEntry> _ioctls;
    private readonly object _masterLock = new();
    private DrmFile? _master;

    /// <summary>Fronts <paramref name="device"/>; the driver does not own it (dispose it after the driver).</summary>
    public I915Driver(GpuDevice device, I915DriverOptions? options = null, ILogger? log = null)
    {
        Device = device ?? throw new ArgumentNullException(nameof(device));
        Options = options ?? new I915DriverOptions();
        _log = log ?? Serilog.Core.Logger.None;
        _ioctls = BuildIoctlTable();
        _resetParam = (uint)Math.Max(Device.GetResetParam(), 0);
    }

    /// <summary>The device.</summary>
    public GpuDevice Device { get; }

    /// <summary>The options.</summary>
    public I915DriverOptions Options { get; }

    /// <summary>The device's mmap offsets.</summary>
    public MmapOffsetTable MmapOffsets { get; } = new();

    /// <summary>The first render node's minor (DRM_MINOR_RENDER's base); render minors run to 191.</summary>
    public const int RenderMinorBase = 128;

    /// <inheritdoc/>
    public DrmFile Open(int pid) => Open(pid, 0);

    /// <inheritdoc/>
    public DrmFile Open(int pid, int minor)
    {
        Device.OpenClient(out int clientId, Options.Privileged, $"pid{pid}");
        bool render = minor is >= RenderMinorBase and < RenderMinorBase + 64;
        var file = new DrmFile(clientId, pid) { State = new I915File(clientId), IsRender = render };
        // drm_open_helper -> drm_master_open, for a primary client only: the first card file opened on a device without
        // a master becomes it; a render node's never does.
        if (!render)
        {
            lock (_masterLock)
            {
                _master ??= file;
            }
        }

        return file;
    }

    /// <inheritdoc/>
    public void Release(DrmFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        lock (_masterLock)
        {
            if (_master == file)
            {
                _master = null;
            }
        }

        MmapOffsets.Revoke(file);
        // drm_syncobj_release: the handles go; a syncobj an fd (or another file) still names lives on.
        file.Syncobjs.Clear();
        Device.CloseClient(file.ClientId);
    }

    /// <inheritdoc/>
    public int Ioctl(DrmFile file, uint request, ulong argument, IDrmCaller caller)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(caller);
        // drm_ioctl: a request of another type than DRM_IOCTL_BASE is -ENOTTY (the shim forwards every ioctl on the
        // device fd: isatty()'s TCGETS, a dma-buf ioctl sent to the wrong fd); then the number picks the entry (core
        // below DRM_COMMAND_BASE, the driver's from it to DRM_COMMAND_END); an unknown one is -EINVAL.
        if (DrmIoctl.Type(request) != DrmIoctl.DrmType)
        {
            return -Errno.ENOTTY;
        }

        if (!_ioctls.TryGetValue(DrmIoctl.Nr(request), out IoctlEntry? entry))
        {
            _log.Debug("invalid ioctl: pid={Pid}, cmd=0x{Cmd:x8}", caller.Pid, request);
            return -Errno.EINVAL;
        }

        if (file.State is not I915File state)
        {
            return -Errno.EINVAL;
        }

        // drm_ioctl_kernel -> drm_ioctl_permit, after the argument was copied in: a render client may call only the
        // DRM_RENDER_ALLOW ioctls (-EACCES otherwise).
        int ret = DrmIoctl.Call(request, argument, caller, entry.Dir, entry.Size,
            arg => file.IsRender && !entry.RenderAllow ? -Errno.EACCES
                : entry.Handler(new IoctlCall(file, state, arg, caller, request, argument)));
        if (ret < 0)
        {
            _log.Debug("ioctl 0x{Cmd:x8} pid={Pid} ret={Ret}", request, caller.Pid, Errno.Name(ret));
        }

        return ret;
    }

    /// <summary>The driver holds no device resources of its own: the caller disposes the device.</summary>
    public void Dispose()
    {
    }

    private Dictionary<uint, IoctlEntry> BuildIoctlTable()
    {
        const uint Rw = DrmIoctl.DirRead | DrmIoctl.DirWrite;
        const uint W = DrmIoctl.DirWrite;
        const uint R = DrmIoctl.DirRead;
        var t = new Dictionary<uint, IoctlEntry>
        {
            [DrmIoctl.Version] = new(Rw, Layout.DrmCoreLayout.VersionSize, GetVersion),
            [DrmIoctl.GemClose] = new(W, Layout.DrmCoreLayout.GemCloseSize, GemClose),
            [DrmIoctl.GetCap] = new(Rw, Layout.DrmCoreLayout.GetCapSize, GetCap),
            [DrmIoctl.SetMaster] = new(0, 0, SetMaster, RenderAllow: false),
            [DrmIoctl.PrimeHandleToFd] = new(Rw, Layout.PrimeLayout.Size, PrimeHandleToFd),
            [DrmIoctl.PrimeFdToHandle] = new(Rw, Layout.PrimeLayout.Size, PrimeFdToHandle),
            [DrmIoctl.DropMaster] = new(0, 0, DropMaster, RenderAllow: false),
            [DrmIoctl.I915GetParam] = new(Rw, Layout.QueryLayout.GetParamSize, GetParam),
            [DrmIoctl.I915GemBusy] = new(Rw, Layout.GemLayout.BusySize, GemBusy),
            [DrmIoctl.I915GemThrottle] = new(0, 0, GemThrottle),
            [DrmIoctl.I915GemCreate] = new(Rw, Layout.GemLayout.CreateSize, GemCreate),
            [DrmIoctl.I915GemUserptr] = new(Rw, Layout.UserptrLayout.Size, GemUserptr),
            [DrmIoctl.I915GemPread] = new(W, Layout.GemLayout.RwSize, GemPread),
            [DrmIoctl.I915GemPwrite] = new(W, Layout.GemLayout.RwSize, GemPwrite),
            [DrmIoctl.I915GemMmap] = new(Rw, Layout.GemLayout.MmapSize, GemMmapLegacy),
            [DrmIoctl.I915GemSetDomain] = new(W, Layout.GemLayout.SetDomainSize, GemSetDomain),
            [DrmIoctl.I915GemSwFinish] = new(W, Layout.GemLayout.SwFinishSize, GemSwFinish),
            [DrmIoctl.I915GemGetTiling] = new(Rw, Layout.GemLayout.GetTilingSize, GemGetTiling),
            [DrmIoctl.I915GemGetAperture] = new(R, Layout.GemLayout.ApertureSize, GemGetAperture),
            [DrmIoctl.I915GemMmapOffset] = new(Rw, Layout.GemLayout.MmapOffsetSize, GemMmapOffset),
            [DrmIoctl.I915GemMadvise] = new(Rw, Layout.GemLayout.MadviseSize, GemMadvise),
            [DrmIoctl.I915GemExecbuffer2] = new(Rw, Layout.ExecbufLayout.Size, GemExecbuffer2),
            [DrmIoctl.I915GemWait] = new(Rw, Layout.GemLayout.WaitSize, GemWait),
            [DrmIoctl.I915GemContextCreate] = new(Rw, Layout.ContextLayout.CreateSize, ContextCreate),
            [DrmIoctl.I915GemContextDestroy] = new(W, Layout.ContextLayout.DestroySize, ContextDestroy),
            [DrmIoctl.I915GemSetCaching] = new(W, Layout.GemLayout.CachingSize, GemSetCaching),
            [DrmIoctl.I915GemGetCaching] = new(Rw, Layout.GemLayout.CachingSize, GemGetCaching),
            [DrmIoctl.I915GetResetStats] = new(Rw, Layout.ContextLayout.ResetStatsSize, GetResetStats),
            [DrmIoctl.I915GemContextGetParam] = new(Rw, Layout.ContextLayout.ParamSize, ContextGetParam),
            [DrmIoctl.I915GemContextSetParam] = new(Rw, Layout.ContextLayout.ParamSize, ContextSetParam),
            [DrmIoctl.I915Query] = new(Rw, Layout.QueryLayout.QuerySize, Query),
            [DrmIoctl.I915GemVmCreate] = new(Rw, 16, VmCreate),
            [DrmIoctl.I915GemVmDestroy] = new(W, 16, VmDestroy),
            [DrmIoctl.I915GemCreateExt] = new(Rw, Layout.GemLayout.CreateExtSize, GemCreateExt),
        };
        // The syncobj range of drm core: i915 has DRIVER_SYNCOBJ and DRIVER_SYNCOBJ_TIMELINE (GET_CAP SYNCOBJ_TIMELINE
        // says 1), handled in I915Driver.Syncobj.cs; what is not modelled (EVENTFD, 0xcf; the unused numbers between)
        // answers -EOPNOTSUPP.
        for (uint nr = DrmIoctl.SyncobjFirst; nr <= DrmIoctl.SyncobjLast; nr++)
        {
            t[nr] = new(Rw, 0, static _ => -Errno.EOPNOTSUPP);
        }

        t[Layout.SyncobjLayout.NrCreate] = new(Rw, Layout.SyncobjLayout.CreateSize, SyncobjCreate);
        t[Layout.SyncobjLayout.NrDestroy] = new(Rw, Layout.SyncobjLayout.DestroySize, SyncobjDestroy);
        t[Layout.SyncobjLayout.NrHandleToFd] = new(Rw, Layout.SyncobjLayout.HandleSize, SyncobjHandleToFd);
        t[Layout.SyncobjLayout.NrFdToHandle] = new(Rw, Layout.SyncobjLayout.HandleSize, SyncobjFdToHandle);
        t[Layout.SyncobjLayout.NrWait] = new(Rw, Layout.SyncobjLayout.WaitSize, SyncobjWaitIoctl);
        t[Layout.SyncobjLayout.NrReset] = new(Rw, Layout.SyncobjLayout.ArraySize, SyncobjReset);
        t[Layout.SyncobjLayout.NrSignal] = new(Rw, Layout.SyncobjLayout.ArraySize, SyncobjSignal);
        t[Layout.SyncobjLayout.NrTimelineWait] = new(Rw, Layout.SyncobjLayout.TimelineWaitSize, SyncobjTimelineWait);
        t[Layout.SyncobjLayout.NrQuery] = new(Rw, Layout.SyncobjLayout.TimelineArraySize, SyncobjQuery);
        t[Layout.SyncobjLayout.NrTransfer] = new(Rw, Layout.SyncobjLayout.TransferSize, SyncobjTransfer);
        t[Layout.SyncobjLayout.NrTimelineSignal] = new(Rw, Layout.SyncobjLayout.TimelineArraySize, SyncobjTimelineSignal);

        return t;
    }
}
