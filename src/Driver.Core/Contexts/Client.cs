using Driver.Core.Errors;
using Driver.Core.Locking;
using Driver.Core.Memory;

namespace Driver.Core.Contexts;

/// <summary>
/// A client of the device, like an open DRM file: its buffer-object handle table, its contexts, whether it is
/// privileged (may read the global reset count), and its ban score (i915's per-file hang score).
/// </summary>
public sealed class Client
{
    /// <summary>Guards the handle and context tables (the kernel's file->table_lock); a leaf lock.</summary>
    private readonly DriverMutex _tableLock = new("file->table_lock");
    private readonly Dictionary<int, BufferObject> _objects = new();
    private readonly Dictionary<int, GpuContext> _contexts = new();
    private readonly StatusPageAllocator _statusPages;
    private int _nextHandle = 1;
    private int _nextContext;
    private int _banScore;
    private int _closed;

    /// <summary>Creates a client with its default context (id 0).</summary>
    public Client(int id, string name, bool privileged, StatusPageAllocator statusPages, bool isKernel = false)
    {
        Id = id;
        Name = name;
        Privileged = privileged;
        _statusPages = statusPages;
        DefaultContext = CreateContext(isKernel);
    }

    /// <summary>Client id.</summary>
    public int Id { get; }

    /// <summary>Name for logs ("client3" or a scenario's name).</summary>
    public string Name { get; }

    /// <summary>Privileged (CAP_SYS_ADMIN): sees the global reset count in reset stats.</summary>
    public bool Privileged { get; }

    /// <summary>Context 0.</summary>
    public GpuContext DefaultContext { get; }

    /// <summary>The status pages its timelines live in: one allocator per GT, so it tells which GT the client is on.</summary>
    public StatusPageAllocator StatusPages => _statusPages;

    /// <summary>Hang score: +3 per banned context, +1 per hang within 60 s of the last; banned at 9.</summary>
    public int BanScore => Volatile.Read(ref _banScore);

    /// <summary>Whether the client is banned (no new contexts, -EIO).</summary>
    public bool IsBanned => BanScore >= BanThreshold;

    /// <summary>Score at which a client is banned.</summary>
    public const int BanThreshold = 9;

    /// <summary>
    /// <see cref="System.Diagnostics.Stopwatch"/> timestamp of the client's last hang; the client's creation until its
    /// first hang, as i915_gem_open starts file_priv->hang_timestamp at the open, so a hang within the fast-hang window
    /// of opening the fd already scores (client_mark_guilty).
    /// </summary>
    public long LastHangTimestamp { get; set; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Adds to the ban score; returns the new score.</summary>
    public int AddBanScore(int points) => Interlocked.Add(ref _banScore, points);

    /// <summary>Whether the client was closed.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Marks the client closed; false if it already was.</summary>
    public bool Close() => Interlocked.Exchange(ref _closed, 1) == 0;

    /// <summary>Creates a context with the next id (ENOENT once the client is closed).</summary>
    public GpuContext CreateContext(bool isKernel = false)
    {
        using (_tableLock.Acquire())
        {
            ThrowIfClosed();
            var ctx = new GpuContext(this, _nextContext++, _statusPages, isKernel);
            _contexts.Add(ctx.Id, ctx);
            return ctx;
        }
    }

    /// <summary>Looks up a context (ENOENT if unknown or destroyed).</summary>
    public GpuContext GetContext(int id)
    {
        using (_tableLock.Acquire())
        {
            return _contexts.TryGetValue(id, out GpuContext? c) ? c : throw DriverException.NoEnt($"no context {id} on {Name}");
        }
    }

    /// <summary>Removes a context from the table (ENOENT if unknown; EINVAL for the default context).</summary>
    public GpuContext RemoveContext(int id)
    {
        if (id == 0)
        {
            throw DriverException.Inval("the default context cannot be destroyed");
        }

        using (_tableLock.Acquire())
        {
            if (!_contexts.Remove(id, out GpuContext? c))
            {
                throw DriverException.NoEnt($"no context {id} on {Name}");
            }

            return c;
        }
    }

    /// <summary>Snapshot of the contexts.</summary>
    public IReadOnlyList<GpuContext> Contexts
    {
        get
        {
            using (_tableLock.Acquire())
            {
                return _contexts.Values.OrderBy(c => c.Id).ToArray();
            }
        }
    }

    /// <summary>Adds an object; returns its new handle (ENOENT once the client is closed: the caller still owns it).</summary>
    public int AddObject(BufferObject bo)
    {
        using (_tableLock.Acquire())
        {
            ThrowIfClosed();
            int handle = _nextHandle++;
            _objects.Add(handle, bo);
            return handle;
        }
    }

    /// <summary>Looks up a handle (ENOENT if unknown).</summary>
    public BufferObject GetObject(int handle)
    {
        using (_tableLock.Acquire())
        {
            return _objects.TryGetValue(handle, out BufferObject? bo) ? bo : throw DriverException.NoEnt($"no object with handle {handle} on {Name}");
        }
    }

    /// <summary>
    /// Looks up a handle for an execbuf and takes its hold on the object under the table lock
    /// (<see cref="BufferObject.HoldForExecbuf"/>), ENOENT if unknown; the caller drops it when its submission is done.
    /// </summary>
    public BufferObject GetObjectHeld(int handle)
    {
        using (_tableLock.Acquire())
        {
            BufferObject bo = _objects.TryGetValue(handle, out BufferObject? found)
                ? found
                : throw DriverException.NoEnt($"no object with handle {handle} on {Name}");
            bo.HoldForExecbuf();
            return bo;
        }
    }

    /// <summary>Removes a handle (ENOENT if unknown).</summary>
    public BufferObject RemoveObject(int handle)
    {
        using (_tableLock.Acquire())
        {
            if (!_objects.Remove(handle, out BufferObject? bo))
            {
                throw DriverException.NoEnt($"no object with handle {handle} on {Name}");
            }

            return bo;
        }
    }

    /// <summary>Removes every handle (the file is being closed) and returns the objects they named.</summary>
    public IReadOnlyList<BufferObject> RemoveAllObjects()
    {
        using (_tableLock.Acquire())
        {
            BufferObject[] all = _objects.Values.ToArray();
            _objects.Clear();
            return all;
        }
    }

    /// <summary>Snapshot of the objects.</summary>
    public IReadOnlyList<BufferObject> Objects
    {
        get
        {
            using (_tableLock.Acquire())
            {
                return _objects.Values.ToArray();
            }
        }
    }

    /// <summary>
    /// Refuses a new handle or context once <see cref="Close"/> ran; called under the table lock. Closing sets the
    /// flag before it empties the tables (under that lock), so an ioctl that looked the client up just before the
    /// close either adds before the tables are emptied (and its object or context is released with the rest) or sees
    /// the flag. Found by the uAPI fuzzer: a GEM_CREATE racing the close added its object after the close had taken
    /// the objects, and the object's memory was never freed (the next 4 KiB create failed with ENOMEM).
    /// </summary>
    private void ThrowIfClosed()
    {
        if (IsClosed)
        {
            throw DriverException.NoEnt($"{Name} is closed");
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
