using Driver.Core.Memory;

namespace Driver.Core.Prime;

/// <summary>
/// The importer's side of a dynamic attachment (the kernel's struct dma_buf_attach_ops).
/// </summary>
public interface IDmaBufImporter
{
    /// <summary>
    /// move_notify (once invalidate_mappings): the exporter is moving the buffer. Called with the reservation lock
    /// held, by the exporter's move, before its KERNEL fence is added. The importer must stop using its mapping for
    /// new work and map again (<see cref="DmaBufAttachment.Map"/>) before its next use, which must await the
    /// reservation's KERNEL fences. It must not wait for fences here: the lock is held.
    /// </summary>
    void MoveNotify(DmaBufAttachment attachment);

    /// <summary>
    /// The move's copy is done: every user of the old pages has finished (the move awaited every fence of the
    /// reservation), every later one awaits the KERNEL fence, which is signalled only after this returns, and the old
    /// pages are freed right after. Called with the reservation lock held. The importer points whatever still reaches
    /// the old pages (its object, its GPU binding) at <paramref name="placement"/> here.
    /// </summary>
    /// <remarks>
    /// Not a kernel op: i915's importer unbinds in move_notify itself, waiting there for its active work
    /// (i915_gem_dmabuf_move_notify → i915_gem_object_unbind with I915_GEM_OBJECT_UNBIND_ACTIVE), so nothing of it
    /// reaches the old pages once the move goes on, and it binds again at its next use. GpuSim never waits under the
    /// reservation lock; it lets work submitted before the move finish on the old pages instead, and switches the
    /// importer here, the first moment nothing of the importer's can still be using them.
    /// </remarks>
    void MoveCompleted(DmaBufAttachment attachment, PageList placement);
}
