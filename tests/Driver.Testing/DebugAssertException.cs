namespace Driver.Testing;

/// <summary>A <see cref="System.Diagnostics.Debug.Assert(bool, string)"/> of the driver failed during a test.</summary>
public sealed class DebugAssertException(string message) : Exception(message);
