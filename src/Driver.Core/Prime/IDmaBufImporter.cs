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
}
