using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Locking;

namespace Driver.Uapi;

/// <summary>
/// One client's vgem fences (vgem_file's fence idr): ids from 1, never reused. Signalling a fence empties its slot,
/// so a second signal of the same id is ENOENT, as in vgem_fence_signal_ioctl.
/// </summary>
public sealed class VgemFenceTable
{
    /// <summary>Guards the id table (vfile->fence_lock); a leaf lock, never held while signalling.</summary>
    private readonly DriverSpinLock _lock = new("vfile->fence_lock");
    private readonly Dictionary<int, ExternalFence?> _fences = new();
    private int _nextId = 1;
    private bool _closed;

    /// <summary>Adds a fence; returns its id, or 0 when the table was closed (its client went away).</summary>
    public int Add(ExternalFence fence)
    {
        using (_lock.Acquire())
        {
            if (_closed)
            {
                return 0;
            }

            int id = _nextId++;
            _fences.Add(id, fence);
            return id;
        }
    }

    /// <summary>The fence with <paramref name="id"/> while it is unsignalled, else null.</summary>
    public ExternalFence? Get(int id)
    {
        using (_lock.Acquire())
        {
            return _fences.TryGetValue(id, out ExternalFence? f) ? f : null;
        }
    }

    /// <summary>Signals fence <paramref name="id"/>: 0, -ETIMEDOUT if it had timed out, -ENOENT if unknown or already signalled.</summary>
    public int Signal(int id)
    {
        ExternalFence? fence;
        using (_lock.Acquire())
        {
            if (!_fences.TryGetValue(id, out fence) || fence is null)
            {
                return -Errno.ENOENT;
            }

            _fences[id] = null;
        }
        // Outside the lock: signalling runs the fence's callbacks (request submission).
        return fence.SignalExternal();
    }

    /// <summary>Closes the table: every fence still held is signalled (vgem_fence_close).</summary>
    public void Close()
    {
        List<ExternalFence> left;
        using (_lock.Acquire())
        {
            _closed = true;
            left = _fences.Values.OfType<ExternalFence>().ToList();
            _fences.Clear();
        }
        foreach (ExternalFence f in left)
        {
            f.Dispose();
        }
    }
}
