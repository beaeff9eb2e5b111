using System.Diagnostics;
using Driver.Core.Locking;
using Driver.Core.Requests;

namespace Driver.Engines.Execution;

/// <summary>
/// An engine's signal list (intel_breadcrumbs): requests the engine has taken, in execution order, each waiting for
/// its breadcrumb. <see cref="Interrupt"/> is the user-interrupt handler: it reads breadcrumbs from the status pages
/// and signals every request whose seqno has passed. Fences are signalled here, never inline by whoever submitted.
/// </summary>
/// <remarks>
/// Owned by the engine thread; the reset path touches it only while the engine is parked (the park handshake in
/// <see cref="Engine"/> orders those accesses). The ring never allocates at steady state.
/// </remarks>
public sealed class Breadcrumbs
{
    private Request?[] _ring = new Request?[64];
    private int _head;
    private int _count;

    /// <summary>Requests waiting for their breadcrumb.</summary>
    public int Count => _count;

    /// <summary>Signals issued so far.</summary>
    public long Signalled { get; private set; }

    /// <summary>Signals whose fence callbacks threw (each reported to <see cref="Fault"/>).</summary>
    public long CallbackFaults { get; private set; }

    /// <summary>Told of a fence callback that threw during <see cref="Interrupt"/>, on the engine thread.</summary>
    public Action<Exception>? Fault { get; set; }

    /// <summary>Adds a request the engine is about to execute.</summary>
    public void Add(Request rq)
    {
        if (_count == _ring.Length)
        {
            Grow();
        }

        _ring[(_head + _count) & (_ring.Length - 1)] = rq;
        _count++;
        AssertInvariants();
    }

    /// <summary>
    /// The interrupt handler: signal completed requests from the head. Stops at the first incomplete one: an engine
    /// completes in order. Runs in a fence signalling section. Returns how many it signalled.
    /// </summary>
    public int Interrupt()
    {
        if (_count == 0)
        {
            return 0;
        }

        bool cookie = Lockdep.BeginSignalling();
        int n = 0;
        try
        {
            while (_count > 0)
            {
                Request rq = _ring[_head]!;
                if (!rq.IsCompleted)
                {
                    break;
                }

                _ring[_head] = null;
                _head = (_head + 1) & (_ring.Length - 1);
                _count--;
                // The engine lets go here: off the signal list, Active already cleared. Only a request whose signal
                // is this one and whose completion came from its breadcrumb is retired (its in-flight reference put,
                // so it can be recycled): one completed on the CPU may still be in a CPU completer's hands.
                if (rq.IsCompletedOnCpu)
                {
                    // Its CPU completer (a cancel) signals it: the mark comes before that completer's Signal, so
                    // nothing is left unsignalled, and a second attempt from here would only be refused — which the
                    // checkers that count attempts (DmaFence.SignalAttempts: the soak, the fuzz ledger) would read as
                    // a double completion. Not retired here either, as before.
                    n++;
                    continue;
                }

                bool signalled;
                try
                {
                    signalled = rq.Signal();
                }
                catch (Exception e)
                {
                    // A fence callback threw (a driver bug; every other callback still ran, and the signal itself
                    // happened before any of them): reported, and the interrupt goes on, so the requests after this
                    // one are signalled too and the engine thread lives.
                    signalled = true;
                    CallbackFaults++;
                    Fault?.Invoke(e);
                }

                // Completed on the CPU after the check above: still in a CPU completer's hands, not retired here.
                if (signalled && !rq.IsCompletedOnCpu)
                {
                    rq.Retire();
                }

                n++;
            }
        }
        finally
        {
            Lockdep.EndSignalling(cookie);
        }
        Signalled += n;
        AssertInvariants();
        return n;
    }

    /// <summary>
    /// Takes back the request last added, which was preempted before its breadcrumb: it is no longer the engine's to
    /// signal until it runs again, and the requests that run meanwhile must not wait behind it to be signalled.
    /// </summary>
    public void RemoveLast(Request rq)
    {
        int last = (_head + _count - 1) & (_ring.Length - 1);
        Debug.Assert(_count > 0 && _ring[last] == rq, $"{rq} preempted but not the last request on the signal list");
        _ring[last] = null;
        _count--;
        AssertInvariants();
    }

    /// <summary>Removes every request (for a reset's rewind, engine parked), in order.</summary>
    public void Drain(List<Request> into)
    {
        while (_count > 0)
        {
            into.Add(_ring[_head]!);
            _ring[_head] = null;
            _head = (_head + 1) & (_ring.Length - 1);
            _count--;
        }

        AssertInvariants();
    }

    /// <summary>
    /// The ring's shape, checked in Debug builds after every change: a power-of-two ring, the window
    /// [head, head + count) full and every other slot empty (a stale slot would keep a request alive and could be
    /// signalled twice after a wrap).
    /// </summary>
    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_ring.Length > 0 && (_ring.Length & (_ring.Length - 1)) == 0, "breadcrumb ring length is not a power of two");
        Debug.Assert(_count >= 0 && _count <= _ring.Length, $"breadcrumb count {_count} outside [0, {_ring.Length}]");
        Debug.Assert(_head >= 0 && _head < _ring.Length, $"breadcrumb head {_head} outside the ring");
        for (int i = 0; i < _ring.Length; i++)
        {
            bool inWindow = ((i - _head) & (_ring.Length - 1)) < _count;
            Debug.Assert(inWindow == (_ring[i] is not null), $"breadcrumb slot {i} is {(inWindow ? "empty inside" : "used outside")} the window");
        }
    }

    private void Grow()
    {
        var bigger = new Request?[_ring.Length * 2];
        for (int i = 0; i < _count; i++)
        {
            bigger[i] = _ring[(_head + i) & (_ring.Length - 1)];
        }

        _ring = bigger;
        _head = 0;
    }
}
