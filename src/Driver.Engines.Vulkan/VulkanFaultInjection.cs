namespace Driver.Engines.Vulkan;

/// <summary>
/// Failure injection for the Vulkan backend, so device-loss recovery can be exercised on a device that never loses
/// itself (lavapipe): the next fence wait reports VK_ERROR_DEVICE_LOST, and recreations can be made to fail.
/// </summary>
public sealed class VulkanFaultInjection
{
    private int _deviceLost;
    private int _recreateFailures;
    private int _fencesStuck;

    /// <summary>The next fence wait on the device (by any engine) returns VK_ERROR_DEVICE_LOST.</summary>
    public void InjectDeviceLost() => Interlocked.Exchange(ref _deviceLost, 1);

    /// <summary>The next <paramref name="count"/> device recreations fail.</summary>
    public void FailRecreations(int count) => Interlocked.Exchange(ref _recreateFailures, count);

    /// <summary>
    /// Until the device is recreated, every fence wait times out (each after its full bounded slice), as on a device
    /// whose work never completes: exercises the abort grace and the declared-lost path.
    /// </summary>
    public void StickFences() => Interlocked.Exchange(ref _fencesStuck, 1);

    /// <summary>Whether fence waits are made to time out.</summary>
    internal bool FencesStuck => Volatile.Read(ref _fencesStuck) != 0;

    /// <summary>A recreated device starts healthy.</summary>
    internal void OnRecreated() => Interlocked.Exchange(ref _fencesStuck, 0);

    /// <summary>Consumes a pending injected device loss.</summary>
    internal bool TakeDeviceLost() => Volatile.Read(ref _deviceLost) != 0 && Interlocked.Exchange(ref _deviceLost, 0) != 0;

    /// <summary>Consumes one injected recreation failure.</summary>
    internal bool TakeRecreateFailure()
    {
        while (true)
        {
            int n = Volatile.Read(ref _recreateFailures);
            if (n <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _recreateFailures, n - 1, n) == n)
            {
                return true;
            }
        }
    }
}
