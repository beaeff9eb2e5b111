namespace Driver.Drm.I915.Layout;

/// <summary>
/// i915_drm.h context structs: context_create_ext, context_destroy, context_param, i915_user_extension and the
/// SETPARAM create extension, i915_context_param_engines, reset_stats; and the I915_CONTEXT_* values.
/// </summary>
public static class ContextLayout
{
    /// <summary>sizeof(struct drm_i915_gem_context_create_ext): u32 ctx_id, u32 flags, u64 extensions (the plain create is its 8-byte prefix).</summary>
    public const int CreateSize = 16;
    /// <summary>create.ctx_id.</summary>
    public const int CreateId = 0;
    /// <summary>create_ext.flags.</summary>
    public const int CreateFlags = 4;
    /// <summary>create_ext.extensions.</summary>
    public const int CreateExtensions = 8;
    /// <summary>I915_CONTEXT_CREATE_FLAGS_USE_EXTENSIONS.</summary>
    public const uint CreateUseExtensions = 1 << 0;
    /// <summary>I915_CONTEXT_CREATE_FLAGS_SINGLE_TIMELINE.</summary>
    public const uint CreateSingleTimeline = 1 << 1;
    /// <summary>I915_CONTEXT_CREATE_FLAGS_UNKNOWN.</summary>
    public const uint CreateUnknownFlags = unchecked(0u - (CreateSingleTimeline << 1));
    /// <summary>I915_CONTEXT_CREATE_EXT_SETPARAM.</summary>
    public const uint CreateExtSetParam = 0;

    /// <summary>sizeof(struct drm_i915_gem_context_destroy): u32 ctx_id, u32 pad.</summary>
    public const int DestroySize = 8;

    /// <summary>sizeof(struct drm_i915_gem_context_param): u32 ctx_id, u32 size, u64 param, u64 value.</summary>
    public const int ParamSize = 24;
    /// <summary>param.ctx_id.</summary>
    public const int ParamCtx = 0;
    /// <summary>param.size.</summary>
    public const int ParamSizeField = 4;
    /// <summary>param.param.</summary>
    public const int ParamParam = 8;
    /// <summary>param.value.</summary>
    public const int ParamValue = 16;

    /// <summary>sizeof(struct i915_user_extension): u64 next_extension, u32 name, u32 flags, u32 rsvd[4].</summary>
    public const int ExtSize = 32;
    /// <summary>user_extension.next_extension.</summary>
    public const int ExtNext = 0;
    /// <summary>user_extension.name.</summary>
    public const int ExtName = 8;
    /// <summary>user_extension.flags.</summary>
    public const int ExtFlags = 12;
    /// <summary>user_extension.rsvd[0].</summary>
    public const int ExtRsvd = 16;
    /// <summary>How many extensions one chain may hold before -E2BIG (i915_user_extensions' bound).</summary>
    public const int MaxExtensions = 512;

    /// <summary>sizeof(struct i915_context_param_engines) without engines: u64 extensions.</summary>
    public const int EnginesHeader = 8;
    /// <summary>sizeof(struct i915_engine_class_instance): u16 class, u16 instance.</summary>
    public const int ClassInstanceSize = 4;
    /// <summary>I915_ENGINE_CLASS_INVALID as u16.</summary>
    public const ushort ClassInvalid = 0xffff;
    /// <summary>I915_ENGINE_CLASS_INVALID_NONE as u16.</summary>
    public const ushort InstanceInvalidNone = 0xffff;

    /// <summary>sizeof(struct drm_i915_reset_stats): ctx_id, flags, reset_count, batch_active, batch_pending, pad (u32 each).</summary>
    public const int ResetStatsSize = 24;

    /// <summary>I915_CONTEXT_PARAM_BAN_PERIOD.</summary>
    public const ulong ParamBanPeriod = 0x1;
    /// <summary>I915_CONTEXT_PARAM_NO_ZEROMAP.</summary>
    public const ulong ParamNoZeromap = 0x2;
    /// <summary>I915_CONTEXT_PARAM_GTT_SIZE.</summary>
    public const ulong ParamGttSize = 0x3;
    /// <summary>I915_CONTEXT_PARAM_NO_ERROR_CAPTURE.</summary>
    public const ulong ParamNoErrorCapture = 0x4;
    /// <summary>I915_CONTEXT_PARAM_BANNABLE.</summary>
    public const ulong ParamBannable = 0x5;
    /// <summary>I915_CONTEXT_PARAM_PRIORITY.</summary>
    public const ulong ParamPriority = 0x6;
    /// <summary>I915_CONTEXT_PARAM_SSEU.</summary>
    public const ulong ParamSseu = 0x7;
    /// <summary>I915_CONTEXT_PARAM_RECOVERABLE.</summary>
    public const ulong ParamRecoverable = 0x8;
    /// <summary>I915_CONTEXT_PARAM_VM.</summary>
    public const ulong ParamVm = 0x9;
    /// <summary>I915_CONTEXT_PARAM_ENGINES.</summary>
    public const ulong ParamEngines = 0xa;
    /// <summary>I915_CONTEXT_PARAM_PERSISTENCE.</summary>
    public const ulong ParamPersistence = 0xb;
    /// <summary>I915_CONTEXT_PARAM_RINGSIZE.</summary>
    public const ulong ParamRingSize = 0xc;
}
