using System.Collections.Concurrent;
using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Memory;
using Driver.Core.Resv;

namespace Driver.Uapi;

public sealed partial class GpuDevice
{
    /// <summary>VGEM_FENCE_WRITE: the fence is an exclusive (write) fence on the object.</summary>
    public const uint VgemFenceWrite = 1;

    private readonly ConcurrentDictionary<int, VgemFenceTable> _vgemFences = new();

    /// <summary>
    /// VGEM_FENCE_ATTACH: creates an external fence on object <paramref name="handle"/>, which stays busy until the
    /// fence signals (by <see cref="VgemFenceSignal"/>, or by itself after <see cref="DeviceConfig.VgemFenceTimeout"/>
    /// with -ETIMEDOUT). With <see cref="VgemFenceWrite"/> it is the object's writer, so batches using the object wait
    /// for it; otherwise a reader, which only writers wait for. Returns 0 and the fence id, -EINVAL for unknown flags
    /// or a non-zero pad, -ENOENT for an unknown client or handle, -EBUSY when a conflicting fence is pending (any
    /// fence for a writer, a writer for a reader).
    /// </summary>
    public int VgemFenceAttach(int clientId, int handle, uint flags, uint pad, out int fenceId)
    {
        fenceId = 0;
        if ((flags & ~VgemFenceWrite) != 0 || pad != 0)
        {
            return -Errno.EINVAL;
        }

        try
        {
            Client client = GetClient(clientId);
            BufferObject bo = client.GetObject(handle);
            bool write = (flags & VgemFenceWrite) != 0;
            // vgem_fence_attach_ioctl: a conflicting fence is -EBUSY (dma_resv_test_signaled with
            // dma_resv_usage_rw), then the fence joins the reservation under its lock. Tested under the lock here,
            // so two attaches cannot both pass the test.
            bo.Resv.LockResv(null);
            int id;
            try
            {
                if (!bo.Resv.TestSignaled(DmaResv.UsageRw(write)))
                {
                    return -Errno.EBUSY;
                }

                // vgem_fence_create: each fence on a context of its own.
                var fence = new ExternalFence(Config.VgemFenceTimeout, DmaFence.ContextAlloc(), 1);
                VgemFenceTable table = _vgemFences.GetOrAdd(clientId, _ => new VgemFenceTable());
                id = table.Add(fence);
                if (id == 0)
                {
                    fence.Dispose();
                    return -Errno.ENOENT;
                }

                bo.Resv.ReserveFences(1);
                bo.Resv.AddFence(fence, write ? DmaResvUsage.Write : DmaResvUsage.Read);
            }
            finally
            {
                bo.Resv.Unlock();
            }

            fenceId = id;
            // A client closed meanwhile may have missed this table: its fences must not outlive it.
            if (client.IsClosed)
            {
                CloseVgemFences(clientId);
            }

            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>
    /// VGEM_FENCE_SIGNAL: 0; -ETIMEDOUT when the fence had already signalled itself on timeout; -ENOENT for an unknown
    /// client or fence, or one already signalled by this call; -EINVAL for non-zero flags.
    /// </summary>
    public int VgemFenceSignal(int clientId, int fenceId, uint flags = 0)
    {
        if (flags != 0)
        {
            return -Errno.EINVAL;
        }

        try
        {
            GetClient(clientId);
            return _vgemFences.TryGetValue(clientId, out VgemFenceTable? table) ? table.Signal(fenceId) : -Errno.ENOENT;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>
    /// Exports an unsignalled vgem fence as a fence object (a sync_file), to pass as an execbuf in-fence.
    /// -ENOENT for an unknown client or fence, or one already signalled.
    /// </summary>
    public int VgemFenceExport(int clientId, int fenceId, out DmaFence? fence)
    {
        fence = null;
        try
        {
            GetClient(clientId);
            fence = _vgemFences.TryGetValue(clientId, out VgemFenceTable? table) ? table.Get(fenceId) : null;
            return fence is null ? -Errno.ENOENT : 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>Signals every client's vgem fences (device teardown).</summary>
    private void CloseAllVgemFences()
    {
        foreach (int id in _vgemFences.Keys)
        {
            CloseVgemFences(id);
        }
    }

    /// <summary>Signals a closing client's vgem fences.</summary>
    private void CloseVgemFences(int clientId)
    {
        if (_vgemFences.TryRemove(clientId, out VgemFenceTable? table))
        {
            table.Close();
        }
    }
}
