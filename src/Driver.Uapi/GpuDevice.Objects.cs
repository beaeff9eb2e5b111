using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Memory;

namespace Driver.Uapi;

public sealed partial class GpuDevice
{
    /// <summary>Creates a buffer object (GEM_CREATE). EINVAL for a bad size or flags, ENOMEM when memory is full. Works while wedged.</summary>
    public int CreateBuffer(int clientId, long size, out int handle, BoFlags flags = BoFlags.None)
    {
        handle = 0;
        try
        {
            Client client = GetClient(clientId);
            if ((flags & BoFlags.Kernel) != 0)
            {
                return -Errno.EINVAL;
            }

            var bo = new BufferObject(Gt.Memory, size, flags);
            try
            {
                handle = client.AddObject(bo);
            }
            catch (DriverException)
            {
                // The client was closed meanwhile: nobody else holds the object.
                bo.Free();
                throw;
            }

            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>Closes a handle (GEM_CLOSE): unbinds and frees the object once its last request is done.</summary>
    public int CloseBuffer(int clientId, int handle)
    {
        try
        {
            ReleaseWhenIdle(GetClient(clientId).RemoveObject(handle));
            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>Releases an object whose handle is gone: now if idle, else when its last fence signals.</summary>
    private void ReleaseWhenIdle(BufferObject bo)
    {
        DmaFence? last = BusyFence(bo);
        // AddCallback refuses a fence that has signalled, even one that signalled after a check made here: then
        // the object is idle and released now (ignoring the refusal leaked its pages and GGTT range).
        if (last is null || !last.AddCallback(new Core.Fences.ActionFenceCallback(_ => Release(bo))))
        {
            Release(bo);
        }
    }

    private void Release(BufferObject bo)
    {
        // Before the unbind: no GTT mmap or fence register may still point at the range.
        Mmaps.ReleaseObject(bo);
        Gt.Ggtt.Remove(bo);
        bo.Free();
    }

    /// <summary>
    /// Binds an object into the GGTT and returns its address. <paramref name="fixedOffset"/> 0 lets the driver pick;
    /// otherwise it must be page aligned and free (EINVAL / ENOSPC).
    /// </summary>
    public int Bind(int clientId, int handle, out uint offset, uint fixedOffset = 0)
    {
        offset = 0;
        try
        {
            BufferObject bo = GetClient(clientId).GetObject(handle);
            offset = Gt.Ggtt.Insert(bo, fixedOffset == 0 ? null : fixedOffset).Offset;
            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>Maps an object for CPU access (linear, like MMAP_OFFSET WB).</summary>
    public int Map(int clientId, int handle, out BufferMapping? mapping)
    {
        mapping = null;
        try
        {
            mapping = new BufferMapping(GetClient(clientId).GetObject(handle));
            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>Writes dwords at a byte offset (PWRITE). EINVAL when misaligned or out of range.</summary>
    public int Write(int clientId, int handle, long offset, ReadOnlySpan<uint> dwords)
    {
        try
        {
            GetClient(clientId).GetObject(handle).WriteDwords(offset, dwords);
            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>Reads dwords from a byte offset (PREAD). EINVAL when misaligned or out of range.</summary>
    public int Read(int clientId, int handle, long offset, Span<uint> dwords)
    {
        try
        {
            BufferObject bo = GetClient(clientId).GetObject(handle);
            if (!bo.IsValidDwordOffset(offset) || offset + dwords.Length * 4L > bo.Size)
            {
                return -Errno.EINVAL;
            }

            for (int i = 0; i < dwords.Length; i++)
            {
                dwords[i] = bo.ReadDword(offset + i * 4L);
            }

            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }
}
