namespace Driver.Core.Locking;

/// <summary>Scope type of <see cref="DriverMonitor"/>.</summary>
public sealed partial class DriverMonitor
{
    /// <summary>Scope returned by <see cref="Acquire"/>.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly DriverMonitor? _monitor;

        internal Scope(DriverMonitor monitor) => _monitor = monitor;

        /// <summary>Releases the monitor.</summary>
        public void Dispose() => _monitor?.Exit();
    }
}
