namespace Driver.Core.Locking;

/// <summary>Read scope type of <see cref="DriverRwLock"/>.</summary>
public sealed partial class DriverRwLock
{
    /// <summary>Returned by <see cref="Read"/>; Dispose exits read. A struct, so <c>using</c> allocates nothing.</summary>
    public readonly struct ReadScope : IDisposable
    {
        private readonly DriverRwLock? _lock;

        /// <summary>Creates a scope over a read hold the caller has just taken.</summary>
        internal ReadScope(DriverRwLock rwLock) => _lock = rwLock;

        /// <summary>Exits read (nothing for a default scope).</summary>
        public void Dispose() => _lock?.ExitRead();
    }
}
