namespace Driver.Engines.Vulkan;

public sealed partial class VulkanEngine
{
    /// <summary>This engine's objects on the current logical device (engine thread only).</summary>
    private VulkanEngineResources? _res;

    /// <summary>
    /// This engine's resources on a usable device: builds them (and calibrates, the first time) when missing or when
    /// the device they live on was lost by another engine; recreates a lost device. Null when the device is dead:
    /// the engine is then wedged.
    /// </summary>
    private VulkanEngineResources? EnsureResources()
    {
        if (_res is { } current)
        {
            if (!current.Device.IsLost)
            {
                return current;
            }

            VulkanLogicalDevice lost = current.Device;
            DropResources(current);
            _device.Recreate(lost, $"lost, seen by {Name}");
        }
        for (int tries = 0; tries < 3; tries++)
        {
            VulkanLogicalDevice? ld = _device.AcquireCurrent();
            if (ld is null)
            {
                return Wedge("Vulkan device is dead (recreation failed)");
            }

            if (ld.IsLost)
            {
                ld.Release();
                _device.Recreate(ld, $"lost, seen by {Name}");
                continue;
            }
            VulkanEngineResources? built = null;
            try
            {
                built = VulkanEngineResources.Create(ld);
                if (!_calibrated)
                {
                    Calibrate(built);
                }

                _res = built;
                return built;
            }
            catch (VulkanDeviceLostException)
            {
                ld.MarkLost();
                if (built is not null)
                {
                    DropResources(built);
                }
                else
                {
                    ld.Release();
                }

                _device.Recreate(ld, $"lost while {Name} set up");
            }
            catch (VulkanException e)
            {
                if (built is not null)
                {
                    DropResources(built);
                }
                else
                {
                    ld.Release();
                }

                return Wedge($"cannot set up on the Vulkan device: {e.Message}");
            }
        }
        return Wedge("Vulkan device lost again at every attempt to set up");
    }

    /// <summary>
    /// Device loss seen while running a request: stop and drain what is still on the device (bounded), free this
    /// engine's objects, and recreate the device (once for all its engines). Returns whether this engine's request
    /// is the guilty one (its engine saw the loss first).
    /// </summary>
    private bool HandleDeviceLost(VulkanEngineResources res, VulkanDeviceLostException e)
    {
        Interlocked.Increment(ref _deviceLosses);
        _log.Error("{Engine}: VK_ERROR_DEVICE_LOST ({Error}){Injected}", Name, e.Message, e.Injected ? " [injected]" : "");
        VulkanLogicalDevice lost = res.Device;
        DropResources(res);
        if (!_device.Recreate(lost, e.Message))
        {
            Wedge("Vulkan device could not be recreated after a loss");
        }

        return e.Culprit;
    }

    /// <summary>
    /// Frees this engine's objects on their device and drops its reference. A batch still running there is aborted
    /// and waited for (bounded by the abort grace); if it never stops, the objects are leaked rather than freed under
    /// it, and the device is never destroyed.
    /// </summary>
    private void DropResources(VulkanEngineResources res)
    {
        bool drained = true;
        if (res.InFlight)
        {
            res.Arena.Write(ArenaLayout.CtlAbort, 1);
            drained = res.Drain(Options.AbortGrace);
        }
        VulkanLogicalDevice ld = res.Device;
        if (drained)
        {
            res.Dispose();
        }
        else
        {
            ld.Taint();
            _log.Error("{Engine}: a batch did not stop on the lost device; its objects are leaked", Name);
        }
        ld.Release();
        if (ReferenceEquals(_res, res))
        {
            _res = null;
        }
    }

    /// <summary>Engine thread, at exit: frees this engine's objects.</summary>
    private void ReleaseResources()
    {
        if (_res is { } res)
        {
            DropResources(res);
        }
    }

    /// <summary>Wedges the engine: from now on every request is cancelled with -EIO until <see cref="Unwedge"/>.</summary>
    private VulkanEngineResources? Wedge(string reason)
    {
        if (!_wedged)
        {
            _log.Error("{Engine}: wedged: {Reason}", Name, reason);
        }

        _wedged = true;
        return null;
    }
}
