using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Memory;

namespace Driver.Uapi;

public sealed partial class GpuDevice
{
    /// <summary>
    /// The i915.enable_hangcheck module parameter, writable at run time. Off, a closed persistent context's work is
    /// cancelled rather than left running (nothing would stop a hog), persistence cannot be turned on
    /// (proto_context_set_persistence: -EINVAL), GETPARAM HAS_GPU_RESET reports 0, and the heartbeat declares no hang
    /// (<see cref="Driver.Reset.Hangcheck.Heartbeat.HangcheckEnabled"/>).
    /// </summary>
    public bool EnableHangcheck
    {
        get => Reset.EnableHangcheck;
        set
        {
            Reset.EnableHangcheck = value;
            Heartbeat.HangcheckEnabled = value;
        }
    }

    /// <summary>
    /// i915_gem_object_lookup for the binary uAPI: the object behind a client's handle, 0 or -ENOENT (an unknown
    /// client or handle). The object stays the client's; the caller must not free it.
    /// </summary>
    public int LookupObject(int clientId, int handle, out BufferObject? bo)
    {
        bo = null;
        try
        {
            bo = GetClient(clientId).GetObject(handle);
            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>
    /// <see cref="LookupObject"/> for an execbuf (eb_lookup_vmas' object reference): the object is held until
    /// <see cref="DropExecbufHold"/>, so closing its last handle meanwhile does not release it under the execbuf.
    /// </summary>
    public int LookupObjectHeld(int clientId, int handle, out BufferObject? bo)
    {
        bo = null;
        try
        {
            bo = GetClient(clientId).GetObjectHeld(handle);
            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>i915_gem_context_lookup for the binary uAPI: 0 or -ENOENT (an unknown client or context).</summary>
    public int LookupContext(int clientId, int contextId, out GpuContext? ctx)
    {
        ctx = null;
        try
        {
            ctx = GetClient(clientId).GetContext(contextId);
            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }
}
