using Driver.Core.Errors;
using Driver.Core.Memory;

namespace Driver.Drm.I915;

/// <summary>
/// The device's fake mmap offsets (drm_vma_offset_manager): one per object and mmap type, page aligned, starting at
/// DRM_FILE_PAGE_OFFSET_START (4 GiB on 64-bit), each allowed only to the files that asked for it
/// (drm_vma_node_allow).
/// </summary>
public sealed class MmapOffsetTable
{
    /// <summary>DRM_FILE_PAGE_OFFSET_START in bytes.</summary>
    public const ulong FirstOffset = 0x100000UL << 12;

    private readonly object _lock = new();
    private readonly Dictionary<(long ObjectId, ulong Type), Node> _byObject = new();
    private readonly SortedDictionary<ulong, Node> _byOffset = new();
    private ulong _next = FirstOffset;

    /// <summary>The offset of <paramref name="bo"/>'s mapping of <paramref name="type"/>, made on first use, allowed to <paramref name="file"/>.</summary>
    public ulong Assign(BufferObject bo, ulong type, DrmFile file)
    {
        ArgumentNullException.ThrowIfNull(bo);
        lock (_lock)
        {
            if (!_byObject.TryGetValue((bo.Id, type), out Node? node))
            {
                node = new Node(bo, _next);
                _next += (ulong)bo.Size;
                _byObject.Add((bo.Id, type), node);
                _byOffset.Add(node.Offset, node);
            }

            node.Allowed.Add(file);
            return node.Offset;
        }
    }

    /// <summary>
    /// drm_vma_offset_exact_lookup_locked + drm_vma_node_is_allowed: the object whose mapping starts at
    /// <paramref name="offset"/> and holds <paramref name="length"/> bytes; -EINVAL for none, -EACCES for another
    /// file's.
    /// </summary>
    public int Lookup(DrmFile file, ulong offset, ulong length, out BufferObject? bo)
    {
        bo = null;
        lock (_lock)
        {
            if (!_byOffset.TryGetValue(offset, out Node? node) || length == 0 || length > (ulong)node.Object.Size)
            {
                return -Errno.EINVAL;
            }

            if (!node.Allowed.Contains(file))
            {
                return -Errno.EACCES;
            }

            bo = node.Object;
            return 0;
        }
    }

    /// <summary>drm_vma_node_revoke for every node of a released file.</summary>
    public void Revoke(DrmFile file)
    {
        lock (_lock)
        {
            foreach (Node node in _byOffset.Values)
            {
                node.Allowed.Remove(file);
            }

            // Nodes nobody may map any more go: the object's offsets die with its last handle in i915.
            foreach (Node node in _byOffset.Values.Where(n => n.Allowed.Count == 0).ToArray())
            {
                _byOffset.Remove(node.Offset);
                _byObject.Remove(_byObject.First(kv => kv.Value == node).Key);
            }
        }
    }

    /// <summary>drm_gem_free_mmap_offset: every offset of <paramref name="bo"/> goes, with the object.</summary>
    public void Forget(BufferObject bo)
    {
        ArgumentNullException.ThrowIfNull(bo);
        lock (_lock)
        {
            foreach (KeyValuePair<(long ObjectId, ulong Type), Node> kv in _byObject.Where(kv => kv.Value.Object == bo).ToArray())
            {
                _byObject.Remove(kv.Key);
                _byOffset.Remove(kv.Value.Offset);
            }
        }
    }

    private sealed class Node(BufferObject bo, ulong offset)
    {
        public BufferObject Object { get; } = bo;
        public ulong Offset { get; } = offset;
        public HashSet<DrmFile> Allowed { get; } = new();
    }
}
