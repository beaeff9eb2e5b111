using Driver.Core.Memory;
using Driver.Core.Prime;

namespace Driver.Drm.Vgem;

/// <summary>
/// One vgem GEM object (a shmem object in the kernel): its pages and reservation, how many handles name it across
/// the device's files, and its dma-buf once exported (obj->dma_buf). Counts and the export change under the driver's
/// object lock.
/// </summary>
internal sealed class VgemObject(BufferObject bo)
{
    /// <summary>The pages and the reservation object (dma_resv) every importer shares.</summary>
    public BufferObject Bo { get; } = bo;

    /// <summary>Handles naming it, over every file.</summary>
    public int Handles { get; set; }

    /// <summary>Whether a file asked for its mmap offset (MAP_DUMB).</summary>
    public bool Mapped { get; set; }

    /// <summary>The one dma-buf of the object, made on first export.</summary>
    public DmaBuf? Export { get; set; }
}
