namespace Driver.Core.Locking;

/// <summary>Scope type of <see cref="DriverSpinLock"/>.</summary>
public sealed partial class DriverSpinLock
{
    /// <summary>Returned by <see cref="Acquire"/>; Dispose unlocks. A struct, so <c>using</c> allocates nothing.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly DriverSpinLock? _lock;

        /// <summary>Creates a scope over a lock the caller has just taken.</summary>
        internal Scope(DriverSpinLock spinLock) => _lock = spinLock;

        /// <summary>Unlocks (nothing for a default scope).</summary>
        public void Dispose() => _lock?.Unlock();
    }
}
