namespace Driver.Drm.I915.Layout;

/// <summary>
/// i915_drm.h execbuffer structs: drm_i915_gem_execbuffer2, drm_i915_gem_exec_object2,
/// drm_i915_gem_relocation_entry, drm_i915_gem_exec_fence, and the I915_EXEC_* / EXEC_OBJECT_* flags.
/// </summary>
public static class ExecbufLayout
{
    /// <summary>sizeof(struct drm_i915_gem_execbuffer2).</summary>
    public const int Size = 64;
    /// <summary>execbuffer2.buffers_ptr.</summary>
    public const int BuffersPtr = 0;
    /// <summary>execbuffer2.buffer_count.</summary>
    public const int BufferCount = 8;
    /// <summary>execbuffer2.batch_start_offset.</summary>
    public const int BatchStartOffset = 12;
    /// <summary>execbuffer2.batch_len.</summary>
    public const int BatchLen = 16;
    /// <summary>execbuffer2.DR1.</summary>
    public const int Dr1 = 20;
    /// <summary>execbuffer2.DR4.</summary>
    public const int Dr4 = 24;
    /// <summary>execbuffer2.num_cliprects.</summary>
    public const int NumCliprects = 28;
    /// <summary>execbuffer2.cliprects_ptr.</summary>
    public const int CliprectsPtr = 32;
    /// <summary>execbuffer2.flags.</summary>
    public const int Flags = 40;
    /// <summary>execbuffer2.rsvd1: the context id in its low 32 bits.</summary>
    public const int Rsvd1 = 48;
    /// <summary>execbuffer2.rsvd2: the in-fence fd low, the out-fence fd high.</summary>
    public const int Rsvd2 = 56;
    /// <summary>The upper half of rsvd2, where the out-fence fd is returned.</summary>
    public const int OutFenceFd = 60;

    /// <summary>sizeof(struct drm_i915_gem_exec_object2).</summary>
    public const int ObjectSize = 56;
    /// <summary>exec_object2.handle.</summary>
    public const int ObjHandle = 0;
    /// <summary>exec_object2.relocation_count.</summary>
    public const int ObjRelocationCount = 4;
    /// <summary>exec_object2.relocs_ptr.</summary>
    public const int ObjRelocsPtr = 8;
    /// <summary>exec_object2.alignment.</summary>
    public const int ObjAlignment = 16;
    /// <summary>exec_object2.offset.</summary>
    public const int ObjOffset = 24;
    /// <summary>exec_object2.flags.</summary>
    public const int ObjFlags = 32;
    /// <summary>exec_object2.rsvd1 (pad_to_size).</summary>
    public const int ObjPadToSize = 40;

    /// <summary>sizeof(struct drm_i915_gem_relocation_entry).</summary>
    public const int RelocSize = 32;
    /// <summary>relocation_entry.target_handle.</summary>
    public const int RelocTarget = 0;
    /// <summary>relocation_entry.delta.</summary>
    public const int RelocDelta = 4;
    /// <summary>relocation_entry.offset.</summary>
    public const int RelocOffset = 8;
    /// <summary>relocation_entry.presumed_offset.</summary>
    public const int RelocPresumed = 16;
    /// <summary>relocation_entry.read_domains.</summary>
    public const int RelocRead = 24;
    /// <summary>relocation_entry.write_domain.</summary>
    public const int RelocWrite = 28;

    /// <summary>sizeof(struct drm_i915_gem_exec_fence): u32 handle, u32 flags.</summary>
    public const int FenceSize = 8;
    /// <summary>I915_EXEC_FENCE_WAIT: the request waits for the syncobj's fence.</summary>
    public const uint FenceWait = 1 << 0;
    /// <summary>I915_EXEC_FENCE_SIGNAL: the syncobj gets the request's fence.</summary>
    public const uint FenceSignal = 1 << 1;
    /// <summary>WAIT|SIGNAL: anything else is __I915_EXEC_FENCE_UNKNOWN_FLAGS.</summary>
    public const uint FenceFlagsKnown = FenceWait | FenceSignal;

    /// <summary>I915_EXEC_RING_MASK.</summary>
    public const ulong RingMask = 0x3f;
    /// <summary>I915_EXEC_DEFAULT.</summary>
    public const uint RingDefault = 0;
    /// <summary>I915_EXEC_RENDER.</summary>
    public const uint RingRender = 1;
    /// <summary>I915_EXEC_BSD.</summary>
    public const uint RingBsd = 2;
    /// <summary>I915_EXEC_BLT.</summary>
    public const uint RingBlt = 3;
    /// <summary>I915_EXEC_VEBOX.</summary>
    public const uint RingVebox = 4;
    /// <summary>I915_EXEC_CONSTANTS_MASK.</summary>
    public const ulong ConstantsMask = 3 << 6;
    /// <summary>I915_EXEC_GEN7_SOL_RESET.</summary>
    public const ulong Gen7SolReset = 1 << 8;
    /// <summary>I915_EXEC_SECURE.</summary>
    public const ulong Secure = 1 << 9;
    /// <summary>I915_EXEC_IS_PINNED.</summary>
    public const ulong IsPinned = 1 << 10;
    /// <summary>I915_EXEC_NO_RELOC.</summary>
    public const ulong NoReloc = 1 << 11;
    /// <summary>I915_EXEC_HANDLE_LUT.</summary>
    public const ulong HandleLut = 1 << 12;
    /// <summary>I915_EXEC_BSD_MASK.</summary>
    public const ulong BsdMask = 3 << 13;
    /// <summary>I915_EXEC_RESOURCE_STREAMER.</summary>
    public const ulong ResourceStreamer = 1 << 15;
    /// <summary>I915_EXEC_FENCE_IN.</summary>
    public const ulong FenceIn = 1 << 16;
    /// <summary>I915_EXEC_FENCE_OUT.</summary>
    public const ulong FenceOut = 1 << 17;
    /// <summary>I915_EXEC_BATCH_FIRST.</summary>
    public const ulong BatchFirst = 1 << 18;
    /// <summary>I915_EXEC_FENCE_ARRAY.</summary>
    public const ulong FenceArray = 1 << 19;
    /// <summary>I915_EXEC_FENCE_SUBMIT.</summary>
    public const ulong FenceSubmit = 1 << 20;
    /// <summary>I915_EXEC_USE_EXTENSIONS.</summary>
    public const ulong UseExtensions = 1 << 21;
    /// <summary>__I915_EXEC_UNKNOWN_FLAGS: every bit above USE_EXTENSIONS.</summary>
    public const ulong UnknownFlags = unchecked(0UL - (UseExtensions << 1));
    /// <summary>__I915_EXEC_ILLEGAL_FLAGS.</summary>
    public const ulong IllegalFlags = UnknownFlags | ConstantsMask | ResourceStreamer;

    /// <summary>EXEC_OBJECT_NEEDS_FENCE.</summary>
    public const ulong ObjNeedsFence = 1 << 0;
    /// <summary>EXEC_OBJECT_NEEDS_GTT.</summary>
    public const ulong ObjNeedsGtt = 1 << 1;
    /// <summary>EXEC_OBJECT_WRITE.</summary>
    public const ulong ObjWrite = 1 << 2;
    /// <summary>EXEC_OBJECT_SUPPORTS_48B_ADDRESS.</summary>
    public const ulong ObjSupports48b = 1 << 3;
    /// <summary>EXEC_OBJECT_PINNED.</summary>
    public const ulong ObjPinned = 1 << 4;
    /// <summary>EXEC_OBJECT_PAD_TO_SIZE.</summary>
    public const ulong ObjPadToSizeFlag = 1 << 5;
    /// <summary>EXEC_OBJECT_ASYNC.</summary>
    public const ulong ObjAsync = 1 << 6;
    /// <summary>EXEC_OBJECT_CAPTURE.</summary>
    public const ulong ObjCapture = 1 << 7;
    /// <summary>__EXEC_OBJECT_UNKNOWN_FLAGS: every bit above CAPTURE.</summary>
    public const ulong ObjUnknownFlags = unchecked(0UL - (ObjCapture << 1));
}
