using System.Diagnostics;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Gt;

namespace Driver.Reset.Capture;

/// <summary>
/// Builds error states (i915_gpu_coredump): per hung engine the command streamer's registers as GpuSim's engine
/// knows them (ACTHD, the instruction header at it, the fault bits), the active request and its context, and the
/// batch object it runs (i915's "batch" vma) read whole through the GGTT. The hung engine is stuck, so what it reads
/// is stable; other state is a snapshot.
/// </summary>
public sealed class ErrorCapture
{
    /// <summary>The most of a batch object captured (bytes); larger objects are cut there.</summary>
    public const int MaxBatchBytes = 1 << 20;

    /// <summary>
    /// The most EXEC_OBJECT_CAPTURE contents one error state holds (bytes). An object that would pass it is left out
    /// whole, as i915 leaves out an object whose copy it could not allocate (i915_vma_coredump_create fails, the vma
    /// is not listed): a reader compares a dumped object's size with the object's, so one is never cut.
    /// </summary>
    public const long MaxUserBytes = 64L << 20;

    /// <summary>The most EXEC_OBJECT_CAPTURE objects one error state holds; the rest are left out.</summary>
    public const int MaxUserObjects = 4096;

    private readonly IntelGt _gt;
    private readonly ErrorStateStore _store;
    private readonly Func<int> _resetCount;
    private readonly Func<EngineClass, int> _engineResetCount;
    private readonly long _initTimestamp = Stopwatch.GetTimestamp();

    /// <summary>Captures from <paramref name="gt"/> into <paramref name="store"/>; the counters feed the reset lines.</summary>
    public ErrorCapture(IntelGt gt, ErrorStateStore store, Func<int>? resetCount = null,
        Func<EngineClass, int>? engineResetCount = null)
    {
        _gt = gt;
        _store = store;
        _resetCount = resetCount ?? (() => 0);
        _engineResetCount = engineResetCount ?? (_ => 0);
    }

    /// <summary>
    /// The module parameters recorded with each state (i915_params_copy at capture, printed by err_print_params), as
    /// name and value; none by default.
    /// </summary>
    public Func<IReadOnlyList<KeyValuePair<string, string>>> ModuleParams { get; init; } = static () => [];

    /// <summary>Kernel release and machine for the "Kernel:" line.</summary>
    public static string KernelLine { get; } =
        $"gpusim-{typeof(ErrorCapture).Assembly.GetName().Version} {Machine(System.Runtime.InteropServices.RuntimeInformation.OSArchitecture)}";

    /// <summary>The architecture as uname -m names it.</summary>
    private static string Machine(System.Runtime.InteropServices.Architecture a) => a switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "x86_64",
        System.Runtime.InteropServices.Architecture.Arm64 => "aarch64",
        System.Runtime.InteropServices.Architecture.X86 => "i686",
        _ => a.ToString().ToLowerInvariant(),
    };

    /// <summary>Captures the engines in <paramref name="engineMask"/>; the store keeps it only if it holds none.</summary>
    public GpuErrorState Capture(uint engineMask, string reason)
    {
        using PendingErrorState pending = Snapshot(engineMask, reason, deferUser: false);
        return Publish(pending);
    }

    /// <summary>
    /// execlists_capture's first half, while the hung engine is stopped: everything but the EXEC_OBJECT_CAPTURE
    /// contents, which <see cref="Publish"/> copies later (execlists_capture_work), while the engine holds the request
    /// (<see cref="Engine.Hold"/>): copying a gigabyte of objects must not keep the engine from its other work. A
    /// request without such objects defers nothing (<see cref="PendingErrorState.DeferredRequest"/> is null).
    /// </summary>
    public PendingErrorState CaptureDeferred(uint engineMask, string reason) => Snapshot(engineMask, reason, deferUser: true);

    /// <summary>
    /// Copies the deferred objects of <paramref name="pending"/> (each only while its request is unsignalled: a wedge
    /// that cancelled a held request ends the copy, and what is bound at the address may no longer be its object) and
    /// stores the state (i915_error_state_store); returns it, kept or not. Once per pending state.
    /// </summary>
    public GpuErrorState Publish(PendingErrorState pending)
    {
        System.Diagnostics.Debug.Assert(!pending.Published, "an error state published twice");
        pending.Published = true;
        foreach ((int index, Request rq) in pending.Deferred)
        {
            pending.Engines[index] = pending.Engines[index] with { UserObjects = CaptureUser(rq) };
        }

        List<EngineErrorState> engines = pending.Engines;
        return _store.Add(id => new GpuErrorState(id, pending.Time, pending.Reason, pending.EngineMask, pending.Guilty, engines)
        {
            Boottime = TimeSpan.FromMilliseconds(pending.Jiffies),
            Uptime = Stopwatch.GetElapsedTime(_initTimestamp, pending.Timestamp),
            CaptureJiffies = pending.Jiffies,
            EpochJiffies = pending.Epoch,
            ResetCount = _resetCount(),
            Kernel = KernelLine,
            Simulated = pending.Simulated,
            ModuleParams = ModuleParams(),
        });
    }

    private PendingErrorState Snapshot(uint engineMask, string reason, bool deferUser)
    {
        long now = Stopwatch.GetTimestamp();
        long jiffies = Environment.TickCount64;
        var pending = new PendingErrorState(DateTime.UtcNow, now, jiffies, reason, engineMask);
        foreach (Engine engine in _gt.Engines)
        {
            if ((engineMask & engine.Id.Mask()) == 0)
            {
                continue;
            }

            Request? active = engine.GetActiveReference();
            try
            {
                if (active is not null)
                {
                    if (pending.Guilty is null && !active.Context.IsKernel)
                    {
                        pending.Guilty = active.Context.ToString();
                    }

                    // record_context: a NO_ERROR_CAPTURE context's request makes the whole dump "simulated", which
                    // i915_error_state_store logs but never keeps.
                    pending.Simulated |= (active.Flags & RequestFlags.NoCapture) != 0;
                    long ageMs = (long)Stopwatch.GetElapsedTime(active.CreatedTimestamp, now).TotalMilliseconds;
                    pending.Epoch = Math.Min(pending.Epoch, jiffies - ageMs);
                }

                bool defer = deferUser && HasUserCapture(active);
                pending.Engines.Add(CaptureEngine(engine, active, captureUser: !defer));
                if (defer)
                {
                    // The reference goes with the pending state, which drops it once the objects are copied.
                    pending.Deferred.Add((pending.Engines.Count - 1, active!));
                    active = null;
                }
            }
            finally
            {
                active?.Put();
            }
        }

        return pending;
    }

    /// <summary>Whether <paramref name="rq"/> has EXEC_OBJECT_CAPTURE objects the error state would copy.</summary>
    private static bool HasUserCapture(Request? rq) =>
        rq?.CaptureList is { Count: > 0 } && (rq.Flags & RequestFlags.NoCapture) == 0;

    private EngineErrorState CaptureEngine(Engine engine, Request? active, bool captureUser)
    {
        uint head = engine.Head;
        EngineFault? fault = engine.LastFault is { } f && f.Request == active ? engine.LastFault : null;
        uint ipehr = 0;
        if (active is not null && !_gt.Ggtt.TryRead(head, out ipehr))
        {
            ipehr = 0;
        }

        uint dumpFrom = 0;
        uint[] dwords = [];
        uint start = 0;
        uint ctl = 0;
        if (active is not null)
        {
            start = active.BatchAddress;
            bool capture = (active.Flags & RequestFlags.NoCapture) == 0;
            // capture_vma holds the batch's pages before copying them. GpuSim reads through the GGTT instead, under
            // its mutex and only while the request is unsignalled: its batch is busy until then, so it can be neither
            // evicted nor released (both wait for the fence, then unbind under that mutex), and what is bound at the
            // batch address is the batch, not an object bound there after it was freed.
            GgttNode? node = _gt.Ggtt.ReadNodeAt(active.BatchAddress, capture ? MaxBatchBytes : 0,
                _ => !active.IsSignaled, out uint[] batch);
            if (node is not null)
            {
                // RING_CTL's length field: the pages from START to the end of the object the CS fetches from.
                long pages = Math.Clamp((node.End - start + DeviceMemory.PageSize - 1) / DeviceMemory.PageSize, 1, 512);
                ctl = (uint)((pages - 1) << 12) | 1;
                if (capture)
                {
                    dumpFrom = node.Offset;
                    dwords = batch;
                }
            }
        }

        return new EngineErrorState(engine.Name, head, active is null ? null : Describe(active),
            active?.BatchAddress ?? 0, dumpFrom, dwords, fault?.ToString(), [])
        {
            UserObjects = captureUser ? CaptureUser(active) : [],
            Class = engine.Id.Class(),
            Start = start,
            Ctl = ctl,
            Ipehr = ipehr,
            Esr = fault?.Kind switch
            {
                FaultKind.InvalidInstruction => 1u << 0,
                FaultKind.PageFault => 1u << 4,
                _ => 0,
            },
            FaultReg = fault?.Kind == FaultKind.PageFault ? 1u | (FaultEngine(engine.Id.Class()) << 12) : 0,
            EngineResetCount = _engineResetCount(engine.Id.Class()),
            Context = active is null ? null : new CapturedContext(active.Context.Client.Name, active.Context.Client.Id,
                active.Context.Priority, active.Context.GuiltyCount, active.Context.InnocentCount,
                active.Timeline.Breadcrumb),
        };
    }

    /// <summary>
    /// capture_user: the contents of the request's EXEC_OBJECT_CAPTURE objects, each read whole through the GGTT under
    /// its mutex and only while the request is unsignalled (its objects are busy until then: neither evicted nor
    /// released, so what is bound at each address is still that object). Nothing for a NO_ERROR_CAPTURE request.
    /// </summary>
    private List<CapturedObject> CaptureUser(Request? active)
    {
        var objects = new List<CapturedObject>();
        if (active?.CaptureList is not { } list || (active.Flags & RequestFlags.NoCapture) != 0)
        {
            return objects;
        }

        long budget = MaxUserBytes;
        foreach (uint address in list)
        {
            if (objects.Count == MaxUserObjects)
            {
                break;
            }

            GgttNode? node = _gt.Ggtt.ReadNodeAt(address, (int)Math.Min(budget, int.MaxValue),
                n => n.Offset == address && n.Size <= budget && !active.IsSignaled, out uint[] contents);
            if (node is not null && contents.Length * 4L == node.Size)
            {
                objects.Add(new CapturedObject(address, contents));
                budget -= node.Size;
            }
        }

        return objects;
    }

    /// <summary>The engine field of gen8+ RING_FAULT_REG.</summary>
    private static uint FaultEngine(EngineClass c) => c switch
    {
        EngineClass.Video => 1,
        EngineClass.VideoEnhance => 3,
        EngineClass.Copy => 4,
        _ => 0,
    };

    private static CapturedRequest Describe(Request rq) =>
        new(rq.Context.ToString(), rq.Seqno, rq.BatchAddress, rq.Status, rq.Started)
        {
            FenceContext = rq.FenceContext,
            Pid = rq.Context.Client.Id,
            Priority = rq.Priority,
        };
}
