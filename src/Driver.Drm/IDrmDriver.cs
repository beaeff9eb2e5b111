namespace Driver.Drm;

/// <summary>
/// The driver side of the DRM shim (drm_driver and its file_operations): what the server calls for each client
/// request. One device per server; every method may be called concurrently from many threads, and <see cref="Ioctl"/>
/// may block (waits, throttles, drop_caches) without holding up the others.
/// </summary>
public interface IDrmDriver : IDisposable
{
    /// <summary>drm_open: a process opened the device node; returns the new file's state.</summary>
    DrmFile Open(int pid);

    /// <summary>
    /// drm_open of node <paramref name="minor"/> (0.. primary cardN, 128.. renderD): a driver that tells the two apart
    /// (drm_is_render_client) overrides it; the others open every node alike.
    /// </summary>
    DrmFile Open(int pid, int minor) => Open(pid);

    /// <summary>drm_release: the last descriptor of <paramref name="file"/> closed (or its process died).</summary>
    void Release(DrmFile file);

    /// <summary>drm_ioctl: 0 (or a positive result) or a negative errno, i915's exact one on every error path.</summary>
    int Ioctl(DrmFile file, uint request, ulong argument, IDrmCaller caller);

    /// <summary>sync_file_ioctl on a fence descriptor (SYNC_IOC_MERGE, SYNC_IOC_FILE_INFO): 0 or a negative errno.</summary>
    int SyncFileIoctl(int fd, uint request, ulong argument, IDrmCaller caller);

    /// <summary>
    /// mmap of the device node at a fake offset (from GEM_MMAP_OFFSET / MMAP_GTT): the runs of the shared memory arena
    /// that back [<paramref name="offset"/>, +<paramref name="length"/>), in order, or a negative errno (-EINVAL for an
    /// offset no object owns, -EACCES for another file's offset). <paramref name="mapping"/> is what the mapping keeps
    /// alive (i915_gem_mmap: the vma holds a reference to the object, not to the file, so the object's pages outlive
    /// its handles and the file until the last munmap); the server disposes it once no process maps the range any
    /// more. Null when the driver keeps nothing.
    /// </summary>
    int Mmap(DrmFile file, ulong offset, ulong length, out IReadOnlyList<ArenaRun> runs, out IDisposable? mapping);

    /// <summary>
    /// The device's virtual files, as paths relative to three roots: <c>debugfs/</c> (the kernel's
    /// /sys/kernel/debug/dri/N), <c>sysfs/</c> (the card's sysfs directory, /sys/class/drm/cardN, with engine/ and
    /// gt/ below it) and <c>module/</c> (/sys/module/i915/parameters). Directories are implied by the paths.
    /// </summary>
    IReadOnlyList<string> VirtualFiles { get; }

    /// <summary>A fresh snapshot of a virtual file's content, taken when a process opens it: 0 or a negative errno.</summary>
    int ReadVirtualFile(string path, out byte[] content);

    /// <summary>
    /// One write() to a virtual file, handled synchronously (it may block, as i915_gem_drop_caches waits for idle):
    /// the number of bytes consumed, or a negative errno that the writer's write() returns.
    /// </summary>
    int WriteVirtualFile(string path, ReadOnlySpan<byte> data);
}
