using System.Runtime.CompilerServices;
using Driver.Core.Hw;
using Driver.Core.Locking;
using Driver.Core.Requests;

namespace Driver.Core.Contexts;

/// <summary>
/// A context's timeline on one engine: seqnos increase by one per request, requests complete in seqno order, and
/// the engine writes each finished request's seqno into the timeline's breadcrumb (its status-page dword).
/// Completion is read from the breadcrumb, never from the request: that is what the interrupt path trusts.
/// </summary>
public sealed class Timeline
{
    private static long s_nextFenceContext;
    private readonly StatusSlot _hwsp;

    /// <summary>Creates a timeline with its breadcrumb slot.</summary>
    public Timeline(GpuContext context, EngineId engine, StatusSlot hwsp)
    {
        Context = context;
        Engine = engine;
        _hwsp = hwsp;
        FenceContext = (ulong)Interlocked.Increment(ref s_nextFenceContext);
    }

    /// <summary>Owning context.</summary>
    public GpuContext Context { get; }

    /// <summary>Engine this timeline runs on.</summary>
    public EngineId Engine { get; }

    /// <summary>Globally unique fence context id.</summary>
    public ulong FenceContext { get; }

    /// <summary>
    /// Serialises request construction on this timeline (seqno allocation and the implicit ordering link), like
    /// <c>intel_timeline.mutex</c>; held only while a request is built and handed to submission.
    /// </summary>
    public DriverMutex Mutex { get; } = new("timeline->mutex");

    /// <summary>Last seqno allocated; guarded by <see cref="Mutex"/>.</summary>
    public uint Seqno { get; private set; }

    /// <summary>Last request created on this timeline; guarded by <see cref="Mutex"/>.</summary>
    public Request? Last { get; set; }

    /// <summary>
    /// Engine-owned: the oldest of this timeline's requests waiting in its engine's queue (the head of the list
    /// linked by <see cref="Request.SchedTimelineNext"/>); the engine runs a timeline's requests in this order.
    /// </summary>
    public Request? SchedFirst { get; set; }

    /// <summary>Engine-owned: the newest of this timeline's requests waiting in its engine's queue.</summary>
    public Request? SchedLast { get; set; }

    /// <summary>Engine-owned: how many of this timeline's requests wait in its engine's queue.</summary>
    public int SchedQueued { get; set; }

    /// <summary>GGTT address of the breadcrumb (for error states).</summary>
    public uint BreadcrumbAddress => _hwsp.GgttAddress;

    /// <summary>Allocates the next seqno; caller holds <see cref="Mutex"/>.</summary>
    public uint NextSeqno() => ++Seqno;

    /// <summary>The seqno last written to the breadcrumb.</summary>
    public uint Breadcrumb
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref _hwsp.Page[_hwsp.Index]);
    }

    /// <summary>Whether <paramref name="seqno"/> has passed (wrap-safe comparison, as i915_seqno_passed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool HasPassed(uint seqno) => (int)(Breadcrumb - seqno) >= 0;

    /// <summary>
    /// Writes the breadcrumb. Release semantics: every store the request's batch made is visible before a reader
    /// that sees this seqno (the reader is <see cref="Breadcrumb"/>, read by the breadcrumbs interrupt path).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBreadcrumb(uint seqno) => Volatile.Write(ref _hwsp.Page[_hwsp.Index], seqno);
}
