using Driver.Core.Fences;
using Driver.Drm.Syncobj;

namespace Driver.Drm.I915;

/// <summary>
/// One entry of an execbuf's fence array (struct eb_fence): the syncobj, its I915_EXEC_FENCE_* flags, and the fence
/// the request waits for (taken at parse time; null when the entry does not wait or the syncobj had none).
/// </summary>
internal readonly record struct ExecFence(DrmSyncobj Syncobj, uint Flags, DmaFence? Await);
