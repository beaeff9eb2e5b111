namespace Driver.Engines.Vulkan;

/// <summary>
/// Failure injection for the Vulkan backend, so device-loss recovery can be exercised on a device that never loses
/// itself (lavapipe): the next fence wait reports VK_ERROR_DEVICE_LOST, and recreations can be made to fail.
/// </summary>
public sealed class VulkanFaultInjection
{
    private int _deviceLost;
    private int _recreateFailures;

    /// <summary>The next fence wait on the device (by any engine) returns VK_ERROR_DEVICE_LOST.</summary>
    public void InjectDeviceLost() => Interlocked.Exchange(ref _deviceLost, 1);

    /// <summary>The next <paramref name="count"/> device recreations fail.</summary>
    public void FailRecreations(int count) => Interlocked.Exchange(ref _recreateFailures, count);

    /// <summary>Consumes a pending injected device loss.</summary>
    internal bool TakeDeviceLost() => Volatile.Read(ref _deviceLost) != 0 && Interlocked.Exchange(ref _deviceLost, 0) != 0;

    /// <summary>Consumes one injected recreation failure.</summary>
    internal bool TakeRecreateFailure()
    {
        while (true)
        {
            int n = Volatile.Read(ref _recreateFailures);
            if (n <= 0) return false;
            if (Interlocked.CompareExchange(ref _recreateFailures, n - 1, n) == n) return true;
        }
    }
}
