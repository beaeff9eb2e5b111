using System.Diagnostics;

namespace Driver.Core.Locking;

/// <summary>
/// An acquire context (the kernel's struct ww_acquire_ctx): one transaction that takes several ww_mutexes of one
/// <see cref="WwClass"/>. Creating it is ww_acquire_init (it gets the class's next stamp: lower is older, and older
/// wins); <see cref="Done"/> is ww_acquire_done; <see cref="Fini"/> (or Dispose) is ww_acquire_fini. For the
/// validator it is itself a lock of class "&lt;class&gt;_acquire", held from init to fini, and the nest lock of the
/// mutexes taken in it. It belongs to the thread that created it.
/// </summary>
public sealed class WwAcquireContext : IDisposable
{
    private readonly LockValidator _validator;
    private readonly bool _tracked;
    private readonly Thread _thread;
    private bool _finished;

    /// <summary>ww_acquire_init: a new transaction of <paramref name="cls"/>, younger than every earlier one.</summary>
    public WwAcquireContext(WwClass cls)
    {
        ArgumentNullException.ThrowIfNull(cls);
        Class = cls;
        Stamp = cls.NextStamp();
        _thread = Thread.CurrentThread;
        _validator = cls.AcquireClass.Validator;
        if (_validator.Enabled)
        {
            // mutex_acquire(&ctx->dep_map): two contexts of one class nested on one thread is recursion.
            _validator.OnAcquire(cls.AcquireClass.Node0, this, AcquireKind.Exclusive);
            _tracked = true;
        }
    }

    /// <summary>The class whose mutexes this context may take.</summary>
    public WwClass Class { get; }

    /// <summary>The stamp (ticket): lower is older.</summary>
    public long Stamp { get; }

    /// <summary>Mutexes held in this context (ctx->acquired). Changed under the class's wait lock by the owner thread.</summary>
    public int Acquired
    {
        get => Volatile.Read(ref _acquired);
        internal set => Volatile.Write(ref _acquired, value);
    }
    private int _acquired;

    /// <summary>Wound-wait: an older context wounded this one; it backs off at its next wait (ctx->wounded).</summary>
    public bool IsWounded
    {
        get => Volatile.Read(ref _wounded);
        internal set => Volatile.Write(ref _wounded, value);
    }
    private bool _wounded;

    /// <summary>The mutex that returned -EDEADLK, to be taken next with <see cref="WwMutex.LockSlow"/> (ctx->contending_lock).</summary>
    public WwMutex? ContendingLock { get; internal set; }

    /// <summary>True once <see cref="Done"/> was called: no more locks may be taken.</summary>
    public bool IsDone { get; private set; }

    /// <summary>True once <see cref="Fini"/> ran.</summary>
    public bool IsFinished => _finished;

    /// <summary>True when the calling thread is the one that created the context.</summary>
    internal bool IsOwnedByCurrentThread => ReferenceEquals(_thread, Thread.CurrentThread);

    /// <summary>ww_acquire_done: every lock of the transaction is held; taking another is a bug.</summary>
    public void Done()
    {
        Debug.Assert(!IsDone, "ww_acquire_done called twice");
        Debug.Assert(!_finished, "ww_acquire_done after ww_acquire_fini");
        IsDone = true;
    }

    /// <summary>ww_acquire_fini: ends the transaction, which must hold nothing any more.</summary>
    public void Fini()
    {
        Debug.Assert(IsOwnedByCurrentThread, "ww_acquire_fini on another thread than ww_acquire_init");
        Debug.Assert(!_finished, "ww_acquire_fini called twice");
        Debug.Assert(Acquired == 0, "ww_acquire_fini with ww_mutexes still held in the context");
        if (_finished)
        {
            return;
        }

        _finished = true;
        if (_tracked && !_validator.OnRelease(this) && _validator.Enabled)
        {
            _validator.ReportBadUnlock(Class.AcquireClass.Node0);
        }
    }

    /// <summary><see cref="Fini"/>, unless already done.</summary>
    public void Dispose()
    {
        if (!_finished)
        {
            Fini();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Class.Name} ctx #{Stamp}";
}
