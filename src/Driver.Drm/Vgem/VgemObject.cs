using Driver.Core.Memory;
using Driver.Core.Prime;

namespace Driver.Drm.Vgem;

/// <summary>
/// One vgem GEM object (a shmem object in the kernel): its pages and reservation, how many handles name it across
/// the device's files and how many mmaps map it, and its dma-buf once exported (obj->dma_buf). Counts, the export and
/// the free change under the driver's object lock.
/// </summary>
internal sealed class VgemObject(BufferObject bo)
{
    /// <summary>The pages and the reservation object (dma_resv) every importer shares.</summary>
    public BufferObject Bo { get; } = bo;

    /// <summary>Handles naming it, over every file.</summary>
    public int Handles { get; set; }

    /// <summary>
    /// Ioctls between their handle lookup and their end (drm_gem_object_lookup's reference): a GEM_CLOSE of the last
    /// handle meanwhile does not free the object under them. Under the driver's object lock.
    /// </summary>
    public int Lookups { get; set; }

    /// <summary>Live mmaps of it, over every process (each held until its munmap or its last holder's exit).</summary>
    public int Mappings { get; set; }

    /// <summary>Whether its pages were freed (no handle, mapping or export left).</summary>
    public bool Freed { get; set; }

    /// <summary>The one dma-buf of the object, made on first export.</summary>
    public DmaBuf? Export { get; set; }
}
