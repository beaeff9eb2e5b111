namespace Driver.Core.Locking;

/// <summary>Write scope type of <see cref="DriverRwLock"/>.</summary>
public sealed partial class DriverRwLock
{
    /// <summary>Returned by <see cref="Write"/>; Dispose exits write. A struct, so <c>using</c> allocates nothing.</summary>
    public readonly struct WriteScope : IDisposable
    {
        private readonly DriverRwLock? _lock;

        /// <summary>Creates a scope over a write hold the caller has just taken.</summary>
        internal WriteScope(DriverRwLock rwLock) => _lock = rwLock;

        /// <summary>Exits write (nothing for a default scope).</summary>
        public void Dispose() => _lock?.ExitWrite();
    }
}
