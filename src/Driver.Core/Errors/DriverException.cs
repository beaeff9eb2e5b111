namespace Driver.Core.Errors;

/// <summary>
/// Thrown inside the driver for bad input that carries an errno. The uAPI facade catches it and returns
/// <c>-Errno</c>; it never escapes to a user of the facade.
/// </summary>
public sealed class DriverException(int errno, string message) : Exception(message)
{
    /// <summary>Positive errno value (EINVAL, ENOENT, ...).</summary>
    public int Errno { get; } = errno;

    /// <summary>Throws a <see cref="DriverException"/> with <see cref="Errors.Errno.EINVAL"/>.</summary>
    public static DriverException Inval(string message) => new(Errors.Errno.EINVAL, message);

    /// <summary>Throws a <see cref="DriverException"/> with <see cref="Errors.Errno.ENOENT"/>.</summary>
    public static DriverException NoEnt(string message) => new(Errors.Errno.ENOENT, message);
}
