using Driver.Core.Fences;
using Driver.Drm.Syncobj;

namespace Driver.Drm.I915;

/// <summary>
/// One entry of an execbuf's fence array (struct eb_fence): the syncobj, its I915_EXEC_FENCE_* flags, the fence the
/// request waits for (taken at parse time; null when the entry does not wait or the syncobj had none), and the timeline
/// point a SIGNAL entry adds (eb_fence.value with its chain_fence; 0: the syncobj's fence is replaced).
/// </summary>
internal readonly record struct ExecFence(DrmSyncobj Syncobj, uint Flags, DmaFence? Await, ulong Point = 0);
