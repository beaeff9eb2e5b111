using Driver.Drm.I915;
using Driver.Drm.I915.Layout;

namespace Driver.Drm.Tests.Support;

/// <summary>Builds drm_i915_gem_execbuffer2 arguments, their exec lists and relocation lists in a harness's user memory.</summary>
public static class ExecBuilder
{
    /// <summary>One drm_i915_gem_exec_object2.</summary>
    public static byte[] Object(uint handle, ulong flags = 0, ulong offset = 0, uint relocationCount = 0, ulong relocs = 0, ulong alignment = 0)
    {
        var o = new ArgBuffer(new byte[ExecbufLayout.ObjectSize]);
        o.SetU32(ExecbufLayout.ObjHandle, handle);
        o.SetU32(ExecbufLayout.ObjRelocationCount, relocationCount);
        o.SetU64(ExecbufLayout.ObjRelocsPtr, relocs);
        o.SetU64(ExecbufLayout.ObjAlignment, alignment);
        o.SetU64(ExecbufLayout.ObjOffset, offset);
        o.SetU64(ExecbufLayout.ObjFlags, flags);
        return o.Data;
    }

    /// <summary>One drm_i915_gem_relocation_entry.</summary>
    public static byte[] Reloc(uint target, ulong offset, uint delta = 0, ulong presumed = ulong.MaxValue, uint read = 2, uint write = 0)
    {
        var r = new ArgBuffer(new byte[ExecbufLayout.RelocSize]);
        r.SetU32(ExecbufLayout.RelocTarget, target);
        r.SetU32(ExecbufLayout.RelocDelta, delta);
        r.SetU64(ExecbufLayout.RelocOffset, offset);
        r.SetU64(ExecbufLayout.RelocPresumed, presumed);
        r.SetU32(ExecbufLayout.RelocRead, read);
        r.SetU32(ExecbufLayout.RelocWrite, write);
        return r.Data;
    }

    /// <summary>Puts the exec list in user memory and returns the execbuffer2 argument for it.</summary>
    public static ArgBuffer Execbuf(DrmHarness h, ulong flags, uint context, params byte[][] objects)
    {
        ArgumentNullException.ThrowIfNull(h);
        ArgumentNullException.ThrowIfNull(objects);
        ulong list = h.Caller.Put(objects.SelectMany(o => o).ToArray());
        var a = new ArgBuffer(new byte[ExecbufLayout.Size]);
        a.SetU64(ExecbufLayout.BuffersPtr, list);
        a.SetU32(ExecbufLayout.BufferCount, (uint)objects.Length);
        a.SetU64(ExecbufLayout.Flags, flags);
        a.SetU64(ExecbufLayout.Rsvd1, context);
        return a;
    }
}
