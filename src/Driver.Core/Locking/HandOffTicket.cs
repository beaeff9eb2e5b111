namespace Driver.Core.Locking;

/// <summary>
/// Proof of one <see cref="DriverMutex.LockForHandOff"/>, to be passed (with the data) to the thread that will call
/// <see cref="DriverMutex.UnlockHandedOff"/>. Valid for exactly one release.
/// </summary>
public readonly struct HandOffTicket : IEquatable<HandOffTicket>
{
    /// <summary>Creates a ticket; only <see cref="DriverMutex.LockForHandOff"/> does.</summary>
    internal HandOffTicket(DriverMutex mutex, long sequence)
    {
        Mutex = mutex;
        Sequence = sequence;
    }

    /// <summary>The mutex in transit; null for a default ticket.</summary>
    public DriverMutex? Mutex { get; }

    /// <summary>Which hand-off of that mutex this is (1, 2, ...); 0 for a default ticket.</summary>
    public long Sequence { get; }

    /// <summary>Equality of two tickets.</summary>
    public static bool operator ==(HandOffTicket left, HandOffTicket right) => left.Equals(right);

    /// <summary>Inequality of two tickets.</summary>
    public static bool operator !=(HandOffTicket left, HandOffTicket right) => !left.Equals(right);

    /// <summary>True when both name the same hand-off of the same mutex.</summary>
    public bool Equals(HandOffTicket other) => ReferenceEquals(Mutex, other.Mutex) && Sequence == other.Sequence;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is HandOffTicket other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Mutex, Sequence);
}
