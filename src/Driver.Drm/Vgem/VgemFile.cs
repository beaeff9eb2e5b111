using Driver.Uapi;

namespace Driver.Drm.Vgem;

/// <summary>
/// A vgem file's state (drm_file's object idr and vgem_file's fence idr). A new handle is the lowest free one from 1,
/// as idr_alloc(&amp;file->object_idr, obj, 1, 0) gives.
/// </summary>
internal sealed class VgemFile
{
    /// <summary>Guards <see cref="Objects"/> (file->table_lock); a leaf lock, taken inside the driver's object lock.</summary>
    public Lock Lock { get; } = new();

    /// <summary>The file's handles.</summary>
    public Dictionary<int, VgemObject> Objects { get; } = [];

    /// <summary>The file's fences (vfile->fence_idr).</summary>
    public VgemFenceTable Fences { get; } = new();

    /// <summary>A new handle for <paramref name="obj"/>; under <see cref="Lock"/>.</summary>
    public int Add(VgemObject obj)
    {
        int handle = 1;
        while (Objects.ContainsKey(handle))
        {
            handle++;
        }
        Objects.Add(handle, obj);
        return handle;
    }
}
