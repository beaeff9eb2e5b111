using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Core.Requests;

namespace Driver.Uapi;

public sealed partial class GpuDevice
{
    /// <summary>
    /// Submits a batch (EXECBUFFER2). Returns 0 and the request's out-fence, or: -ENOENT (unknown client, context or
    /// handle), -EINVAL (bad engine, offset or flags), -EIO (device wedged, or context banned).
    /// </summary>
    public int Execbuf(ExecbufArgs args, out DmaFence? outFence)
    {
        outFence = null;
        try
        {
            Client client = GetClient(args.Client);
            GpuContext ctx = client.GetContext(args.Context);
            if ((uint)args.Engine >= EngineIds.Count)
            {
                return -Errno.EINVAL;
            }

            if ((args.Flags & ~ExecFlags.NoCapture) != 0)
            {
                return -Errno.EINVAL;
            }

            BufferObject batch = client.GetObject(args.BatchHandle);
            if (!batch.IsValidDwordOffset(args.BatchOffset))
            {
                return -Errno.EINVAL;
            }

            BufferObject[] objects = Lookup(client, args.Objects);
            BufferObject[] written = Lookup(client, args.WriteObjects);
            foreach (DmaFence? f in args.InFences)
            {
                if (f is null)
                {
                    return -Errno.EINVAL;
                }
            }
            // The wedge and ban checks come after argument validation, as in i915: bad input is EINVAL/ENOENT
            // even on a dead device.
            if (IsWedged || ctx.IsBanned || ctx.IsClosed)
            {
                return -Errno.EIO;
            }

            uint batchAddress = Gt.Ggtt.Insert(batch).Offset + (uint)args.BatchOffset;
            foreach (BufferObject bo in objects)
            {
                Gt.Ggtt.Insert(bo);
            }

            foreach (BufferObject bo in written)
            {
                Gt.Ggtt.Insert(bo);
            }

            List<DmaFence> awaits = ImplicitFences(args.InFences, batch, objects, written);
            RequestFlags flags = (args.Flags & ExecFlags.NoCapture) != 0 ? RequestFlags.NoCapture : RequestFlags.None;
            Request rq = Gt.CreateAndSubmit(ctx, (EngineId)args.Engine, batchAddress, flags, awaits.Count == 0 ? null : awaits);
            batch.LastFence = rq;
            batch.AddReader(rq);
            foreach (BufferObject bo in objects)
            {
                bo.LastFence = rq;
                bo.AddReader(rq);
            }

            foreach (BufferObject bo in written)
            {
                bo.WriteFence = rq;
                bo.LastFence = rq;
                bo.AddReader(rq);
            }
            outFence = rq;
            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    private static BufferObject[] Lookup(Client client, IReadOnlyList<int> handles)
    {
        if (handles.Count == 0)
        {
            return [];
        }

        var objects = new BufferObject[handles.Count];
        for (int i = 0; i < objects.Length; i++)
        {
            objects[i] = client.GetObject(handles[i]);
        }

        return objects;
    }

    /// <summary>
    /// The explicit in-fences plus implicit synchronisation (i915_request_await_object): every object's pending
    /// last writer, and for a written object also its pending last reader, so writes stay ordered against earlier
    /// users whatever engine they ran on. The single last-reader fence is an approximation of the reservation's
    /// shared-fence list. Awaited fences propagate a fatal error, as explicit in-fences do.
    /// </summary>
    private static List<DmaFence> ImplicitFences(IReadOnlyList<DmaFence> inFences, BufferObject batch,
        BufferObject[] read, BufferObject[] written)
    {
        var awaits = new List<DmaFence>(inFences);
        void Add(DmaFence? f)
        {
            if (f is { IsSignaled: false } && !awaits.Contains(f))
            {
                awaits.Add(f);
            }
        }
        Add(batch.WriteFence);
        foreach (BufferObject bo in read)
        {
            Add(bo.WriteFence);
        }

        foreach (BufferObject bo in written)
        {
            Add(bo.WriteFence);
            Add(bo.LastFence);
        }
        return awaits;
    }

    /// <summary>
    /// What keeps an object busy: its pending writer, its last fence (a vgem fence merges in there) and every pending
    /// reader (i915 waits on all of the reservation's fences for GEM_WAIT, GEM_BUSY and before the pages go). Null when
    /// idle; one fence, or all of them merged.
    /// </summary>
    private static DmaFence? BusyFence(BufferObject bo)
    {
        List<DmaFence>? busy = null;
        void Add(DmaFence? f)
        {
            if (f is { IsSignaled: false } && !(busy ??= new List<DmaFence>()).Contains(f))
            {
                busy.Add(f);
            }
        }

        Add(bo.WriteFence);
        Add(bo.LastFence);
        foreach (DmaFence r in bo.Readers)
        {
            Add(r);
        }

        return busy is null || busy.Count == 0 ? null : busy.Count == 1 ? busy[0] : new MergedFence(busy);
    }

    /// <summary>
    /// Waits for an object to become idle (GEM_WAIT): 0 when idle, -ETIME if still busy after
    /// <paramref name="timeoutNs"/> (0 = just poll), -ENOENT for an unknown handle.
    /// </summary>
    public int Wait(int clientId, int handle, long timeoutNs)
    {
        try
        {
            BufferObject bo = GetClient(clientId).GetObject(handle);
            return WaitFence(BusyFence(bo), timeoutNs);
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>Waits for a fence (sync_file wait): 0 once signalled (read its status), -ETIME on timeout, -EINVAL for a negative timeout.</summary>
    public static int WaitFence(DmaFence? fence, long timeoutNs)
    {
        if (timeoutNs < 0)
        {
            return -Errno.EINVAL;
        }

        if (fence is null || fence.IsSignaled)
        {
            return 0;
        }

        if (timeoutNs == 0)
        {
            return -Errno.ETIME;
        }

        return fence.Wait(TimeSpan.FromTicks(Math.Max(1, timeoutNs / 100))) ? 0 : -Errno.ETIME;
    }

    /// <summary>Whether an object is busy (GEM_BUSY).</summary>
    public int Busy(int clientId, int handle, out bool busy)
    {
        busy = false;
        try
        {
            busy = BusyFence(GetClient(clientId).GetObject(handle)) is not null;
            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>GEM_THROTTLE: -EIO when the device is wedged, else 0.</summary>
    public int Throttle(int clientId)
    {
        try
        {
            GetClient(clientId);
            return IsWedged ? -Errno.EIO : 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }
}
