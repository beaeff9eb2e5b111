using Driver.Core.Fences;

using Driver.Uapi;

namespace Driver.Fuzz;

/// <summary>
/// What the uAPI fuzzer's threads share: per client slot the client id and the handles and contexts it handed out;
/// every spinner and every fence made. One lock (a leaf, never held across an ioctl) guards it all: the ioctls
/// themselves race freely, which is the point.
/// </summary>
internal sealed class UapiWorld
{
    private readonly Lock _lock = new();
    private readonly int[] _clients;
    private readonly List<int>[] _handles;
    private readonly List<int>[] _contexts;
    private readonly List<Spinner> _spinners = new();
    private readonly List<DmaFence> _fences = new();

    /// <summary>Opens a client per slot on <paramref name="dev"/>.</summary>
    public UapiWorld(GpuDevice dev, int slots)
    {
        Dev = dev;
        _clients = new int[slots];
        _handles = Enumerable.Range(0, slots).Select(_ => new List<int>()).ToArray();
        _contexts = Enumerable.Range(0, slots).Select(_ => new List<int> { 0 }).ToArray();
        for (int i = 0; i < slots; i++)
        {
            dev.OpenClient(out _clients[i], name: $"fuzz{i}");
            // Each client starts with one object, as a real one has its batch before its first execbuf: without it
            // most generated execbufs named a handle never created and were refused ENOENT (measured: 131 of 237,
            // 8 accepted), so the fuzzer rarely reached a running batch. Its own CreateBuffer ops add more.
            if (dev.CreateBuffer(_clients[i], InitialObjectBytes, out int handle) == 0)
            {
                _handles[i].Add(handle);
            }
        }
    }

    /// <summary>The device.</summary>
    /// <summary>Size of each client's first object: every generated execbuf offset below 8192 lies inside it.</summary>
    public const int InitialObjectBytes = 8192;

    public GpuDevice Dev { get; }

    /// <summary>Every client id ever opened (closed ones included).</summary>
    public List<int> AllClients { get; } = new();

    /// <summary>The client in <paramref name="slot"/> now.</summary>
    public int Client(int slot)
    {
        lock (_lock)
        {
            return _clients[slot];
        }
    }

    /// <summary>Replaces the client of <paramref name="slot"/> (after closing <paramref name="closed"/>) with <paramref name="opened"/>.</summary>
    public void Reopen(int slot, int closed, int opened)
    {
        lock (_lock)
        {
            if (_clients[slot] == closed)
            {
                _clients[slot] = opened;
                _handles[slot].Clear();
                _contexts[slot].Clear();
                _contexts[slot].Add(0);
            }
            AllClients.Add(opened);
        }
    }

    /// <summary>A handle of <paramref name="slot"/> picked by <paramref name="reference"/> (raw when negative).</summary>
    public int Handle(int slot, int reference) => Pick(_handles[slot], reference);

    /// <summary>A context of <paramref name="slot"/> picked by <paramref name="reference"/> (raw when negative).</summary>
    public int Context(int slot, int reference) => Pick(_contexts[slot], reference);

    /// <summary>Records a handle.</summary>
    public void AddHandle(int slot, int handle) => Add(_handles[slot], handle);

    /// <summary>Records a context.</summary>
    public void AddContext(int slot, int ctx) => Add(_contexts[slot], ctx);

    /// <summary>Records a spinner.</summary>
    public void AddSpinner(Spinner spin) => Add(_spinners, spin);

    /// <summary>Records a fence (for in-fences and sync-file waits).</summary>
    public void AddFence(DmaFence fence) => Add(_fences, fence);

    /// <summary>A spinner picked by <paramref name="reference"/>, or null.</summary>
    public Spinner? Spinner(int reference) => PickObject(_spinners, reference);

    /// <summary>A fence picked by <paramref name="reference"/>, or null.</summary>
    public DmaFence? Fence(int reference) => PickObject(_fences, reference);

    /// <summary>Every spinner.</summary>
    public Spinner[] Spinners()
    {
        lock (_lock)
        {
            return _spinners.ToArray();
        }
    }

    /// <summary>Every client open now.</summary>
    public int[] Clients()
    {
        lock (_lock)
        {
            return _clients.ToArray();
        }
    }

    private int Pick(List<int> list, int reference)
    {
        if (reference < 0)
        {
            return reference;
        }

        lock (_lock)
        {
            // Nothing handed out yet: an id that was never valid.
            return list.Count == 0 ? 1000 + reference : list[reference % list.Count];
        }
    }

    private T? PickObject<T>(List<T> list, int reference) where T : class
    {
        lock (_lock)
        {
            return reference < 0 || list.Count == 0 ? null : list[reference % list.Count];
        }
    }

    private void Add<T>(List<T> list, T item)
    {
        lock (_lock)
        {
            list.Add(item);
        }
    }
}
