namespace Driver.Sim.Vulkan;

/// <summary>A smoke step's check failed; the message says what was expected and what was found.</summary>
internal sealed class SmokeCheckException(string message) : Exception(message);
