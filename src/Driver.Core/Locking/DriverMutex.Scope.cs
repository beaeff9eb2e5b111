namespace Driver.Core.Locking;

/// <summary>Scope type of <see cref="DriverMutex"/>.</summary>
public sealed partial class DriverMutex
{
    /// <summary>Returned by <see cref="Acquire"/>; Dispose unlocks. A struct, so <c>using</c> allocates nothing.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly DriverMutex? _mutex;

        /// <summary>Creates a scope over a mutex the caller has just locked.</summary>
        internal Scope(DriverMutex mutex) => _mutex = mutex;

        /// <summary>Unlocks the mutex (nothing for a default scope).</summary>
        public void Dispose() => _mutex?.Unlock();
    }
}
