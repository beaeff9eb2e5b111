using System.Diagnostics;
using Driver.Core.Contexts;
using Driver.Core.Requests;

namespace Driver.Engines.Execution;

/// <summary>
/// An engine's ready requests (the kernel's <c>i915_sched_engine</c> queue of <c>i915_priolist</c>s): one FIFO per
/// priority, the highest priority first, and a timeline's requests always in seqno order — a request is never taken
/// ahead of an older one of its timeline; when the newer one is what would run, the older one runs first and
/// inherits its priority (<c>__bump_priority</c>).
/// </summary>
/// <remarks>
/// <para>Owned by the engine thread, or by whoever parked it (the park handshake orders those accesses): no lock.</para>
/// <para>Allocation-free at steady state: requests link themselves through their engine-owned
/// <c>Request.Sched*</c> fields (i915's <c>rq->sched.link</c>) and their timeline's <c>Timeline.Sched*</c> fields; a
/// priority level is allocated the first time its priority is seen and recycled when it empties.</para>
/// </remarks>
public sealed class SchedQueue
{
    /// <summary>The non-empty levels, highest priority first.</summary>
    private readonly List<PrioList> _levels = new();
    private readonly Stack<PrioList> _free = new();

    /// <summary>Requests queued.</summary>
    public int Count { get; private set; }

    /// <summary>The highest priority queued, or <see cref="int.MinValue"/> when empty (queue_prio).</summary>
    public int TopPriority => _levels.Count == 0 ? int.MinValue : _levels[0].Priority;

    /// <summary>
    /// Queues a newly submitted (or replayed) request behind everything of its priority, and behind every queued
    /// request of its timeline (queue_request).
    /// </summary>
    public void Add(Request rq)
    {
        Debug.Assert(rq.SchedList is null, $"{rq} queued twice");
        LinkTail(Lookup(rq.Priority), rq);
        Timeline tl = rq.Timeline;
        if (tl.SchedLast is { } last)
        {
            last.SchedTimelineNext = rq;
        }
        else
        {
            tl.SchedFirst = rq;
        }

        tl.SchedLast = rq;
        tl.SchedQueued++;
        Count++;
    }

    /// <summary>
    /// Puts back a request taken off the engine before it finished (__unwind_incomplete_requests): ahead of its
    /// timeline's queued requests, which are newer. Preempted by a higher priority, it goes to the head of its level
    /// (it was running: it goes on first among its equals); when its timeslice expired, to the tail, with its
    /// timeline's newer requests of that level moved behind it (defer_request), so its equals get their turn.
    /// </summary>
    public void Requeue(Request rq, bool timesliceExpired)
    {
        Debug.Assert(rq.SchedList is null, $"{rq} requeued while queued");
        PrioList list = Lookup(rq.Priority);
        if (timesliceExpired)
        {
            LinkTail(list, rq);
        }
        else
        {
            LinkHead(list, rq);
        }

        Timeline tl = rq.Timeline;
        rq.SchedTimelineNext = tl.SchedFirst;
        tl.SchedFirst = rq;
        tl.SchedLast ??= rq;
        tl.SchedQueued++;
        Count++;
        if (timesliceExpired)
        {
            for (Request? s = rq.SchedTimelineNext; s is not null; s = s.SchedTimelineNext)
            {
                if (s.SchedList == list)
                {
                    Unlink(list, s);
                    LinkTail(list, s);
                }
            }
        }
    }

    /// <summary>
    /// Takes the request to run next: the head of the highest level, or, when an older request of its timeline is
    /// still queued, that one (it inherits the priority). Null when empty.
    /// </summary>
    public Request? Pop()
    {
        if (_levels.Count == 0)
        {
            return null;
        }

        PrioList top = _levels[0];
        Request first = top.Head!.Timeline.SchedFirst!;
        first.RaisePriority(top.Priority);

        Remove(first);
        return first;
    }

    /// <summary>
    /// The highest priority of a queued request of another timeline than <paramref name="tl"/> (the active one's), or
    /// <see cref="int.MinValue"/> if none: what could take the engine from it. The active timeline's own queued
    /// requests never can, they run after it. O(1) when every queued request is the active timeline's.
    /// </summary>
    public int BestOtherPriority(Timeline tl)
    {
        if (Count == tl.SchedQueued)
        {
            return int.MinValue;
        }

        for (int i = 0; i < _levels.Count; i++)
        {
            for (Request? r = _levels[i].Head; r is not null; r = r.SchedNext)
            {
                if (r.Timeline != tl)
                {
                    return _levels[i].Priority;
                }
            }
        }

        return int.MinValue;
    }

    /// <summary>
    /// Moves a queued request whose <see cref="Request.Priority"/> was raised to the tail of its new level
    /// (i915_schedule); nothing for a request not queued here (running, or done).
    /// </summary>
    public void Reschedule(Request rq)
    {
        // Only a list of this queue: a raise is looked at some time after it was asked for, and a request that
        // finished meanwhile may already be queued on another engine in a new life (the request slab).
        if (rq.SchedList is PrioList list && list.Owner == this && list.Priority != rq.Priority)
        {
            Unlink(list, rq);
            LinkTail(Lookup(rq.Priority), rq);
        }
    }

    /// <summary>Removes a queued request (from anywhere in its timeline's order: a cancel may skip ahead).</summary>
    public void Remove(Request rq)
    {
        Unlink((PrioList)rq.SchedList!, rq);
        Timeline tl = rq.Timeline;
        if (tl.SchedFirst == rq)
        {
            tl.SchedFirst = rq.SchedTimelineNext;
            if (tl.SchedFirst is null)
            {
                tl.SchedLast = null;
            }
        }
        else
        {
            Request prev = tl.SchedFirst!;
            while (prev.SchedTimelineNext != rq)
            {
                prev = prev.SchedTimelineNext!;
            }

            prev.SchedTimelineNext = rq.SchedTimelineNext;
            if (tl.SchedLast == rq)
            {
                tl.SchedLast = prev;
            }
        }

        rq.SchedTimelineNext = null;
        tl.SchedQueued--;
        Count--;
    }

    /// <summary>
    /// Removes every queued request <paramref name="match"/> selects, in queue order, handing each to
    /// <paramref name="removed"/>. Rare paths only (banned work).
    /// </summary>
    public void RemoveWhere(Func<Request, bool> match, Action<Request> removed)
    {
        for (int i = 0; i < _levels.Count; i++)
        {
            PrioList list = _levels[i];
            Request? r = list.Head;
            bool emptied = false;
            while (r is not null)
            {
                Request? next = r.SchedNext;
                if (match(r))
                {
                    emptied = list.Count == 1;
                    Remove(r);
                    removed(r);
                }

                r = next;
            }

            if (emptied)
            {
                i--;
            }
        }
    }

    /// <summary>Takes every queued request in the order they would run.</summary>
    public void Drain(List<Request> into)
    {
        while (Pop() is { } rq)
        {
            into.Add(rq);
        }
    }

    private PrioList Lookup(int priority)
    {
        int i = 0;
        for (; i < _levels.Count; i++)
        {
            int p = _levels[i].Priority;
            if (p == priority)
            {
                return _levels[i];
            }

            if (p < priority)
            {
                break;
            }
        }

        PrioList list = _free.Count > 0 ? _free.Pop() : new PrioList(this);
        list.Priority = priority;
        _levels.Insert(i, list);
        return list;
    }

    private static void LinkTail(PrioList list, Request rq)
    {
        rq.SchedList = list;
        rq.SchedNext = null;
        rq.SchedPrev = list.Tail;
        if (list.Tail is { } tail)
        {
            tail.SchedNext = rq;
        }
        else
        {
            list.Head = rq;
        }

        list.Tail = rq;
        list.Count++;
    }

    private static void LinkHead(PrioList list, Request rq)
    {
        rq.SchedList = list;
        rq.SchedPrev = null;
        rq.SchedNext = list.Head;
        if (list.Head is { } head)
        {
            head.SchedPrev = rq;
        }
        else
        {
            list.Tail = rq;
        }

        list.Head = rq;
        list.Count++;
    }

    private void Unlink(PrioList list, Request rq)
    {
        Debug.Assert(rq.SchedList == list, $"{rq} is not in the priority {list.Priority} list");
        if (rq.SchedPrev is { } prev)
        {
            prev.SchedNext = rq.SchedNext;
        }
        else
        {
            list.Head = rq.SchedNext;
        }

        if (rq.SchedNext is { } next)
        {
            next.SchedPrev = rq.SchedPrev;
        }
        else
        {
            list.Tail = rq.SchedPrev;
        }

        rq.SchedList = null;
        rq.SchedPrev = rq.SchedNext = null;
        if (--list.Count == 0)
        {
            _levels.Remove(list);
            _free.Push(list);
        }
    }

    /// <summary>One priority's FIFO (i915_priolist).</summary>
    private sealed class PrioList(SchedQueue owner)
    {
        public readonly SchedQueue Owner = owner;
        public int Priority;
        public Request? Head;
        public Request? Tail;
        public int Count;
    }
}
