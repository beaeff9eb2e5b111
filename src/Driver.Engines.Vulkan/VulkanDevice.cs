using Driver.Core.Locking;
using Serilog;
using Silk.NET.Vulkan;

namespace Driver.Engines.Vulkan;

/// <summary>
/// A Vulkan device for the backend: the instance (with the validation layer and a messenger counting its reports
/// when installed), the chosen physical device, and the current logical device with its compute queue. A lost
/// logical device is replaced by <see cref="Recreate"/>; when that fails the device is dead and its engines wedge.
/// </summary>
public sealed class VulkanDevice : IDisposable
{
    private readonly VulkanInstance _instance;
    private readonly PhysicalDevice _physical;
    private readonly uint _family;
    private readonly ILogger _log;

    /// <summary>Serialises recreation (and its check that the lost device is still current); held across vkCreateDevice.</summary>
    private readonly DriverMutex _recreateLock = new("vk->recreate_mutex");
    private readonly List<VulkanLogicalDevice> _created = new();
    private VulkanLogicalDevice? _current;
    private int _recreations;
    private bool _disposed;

    private VulkanDevice(VulkanInstance instance, PhysicalDevice physical, uint family, VulkanPhysicalDeviceInfo info,
        IReadOnlyList<VulkanPhysicalDeviceInfo> all, ILogger log)
    {
        _instance = instance;
        _physical = physical;
        _family = family;
        Info = info;
        Devices = all;
        _log = log;
    }

    /// <summary>The physical device in use.</summary>
    public VulkanPhysicalDeviceInfo Info { get; }

    /// <summary>Every physical device the instance enumerated.</summary>
    public IReadOnlyList<VulkanPhysicalDeviceInfo> Devices { get; }

    /// <summary>Whether VK_LAYER_KHRONOS_validation and its messenger are active.</summary>
    public bool ValidationEnabled => _instance.ValidationEnabled;

    /// <summary>What the validation layer reported (errors must stay at 0).</summary>
    public VulkanValidationLog Validation => _instance.Validation;

    /// <summary>Failure injection (device loss, failed recreation).</summary>
    public VulkanFaultInjection Faults { get; } = new();

    /// <summary>Logical devices recreated after a loss.</summary>
    public int Recreations => Volatile.Read(ref _recreations);

    /// <summary>Generation of the current logical device (1 at first, +1 per recreation); 0 when dead.</summary>
    public long Generation => Volatile.Read(ref _current)?.Generation ?? 0;

    /// <summary>Kernel speeds measured by the first engine set up on this device; null before.</summary>
    internal KernelRates? Rates
    {
        get => Volatile.Read(ref _rates);
        set => Volatile.Write(ref _rates, value);
    }

    private KernelRates? _rates;

    /// <summary>
    /// Serialises the engines' calibration: the first measures alone (engines measuring side by side on one queue
    /// would each see half the speed), the others then only warm up. Held across the bounded calibration runs.
    /// </summary>
    internal DriverMutex CalibrationLock { get; } = new("vk->calibration_mutex");

    /// <summary>A recreation failed: no logical device; engines on it are wedged until <see cref="TryRevive"/>.</summary>
    public bool IsDead => Volatile.Read(ref _current) is null;

    /// <summary>
    /// Opens a device. Throws <see cref="VulkanUnavailableException"/> when there is no loader, no device, or the
    /// requested index does not fit, and <see cref="VulkanException"/> when a Vulkan call fails.
    /// </summary>
    public static VulkanDevice Create(VulkanDeviceOptions? options = null, ILogger? log = null)
    {
        options ??= new VulkanDeviceOptions();
        if (!VulkanProbe.LoaderPresent(out string why))
        {
            throw new VulkanUnavailableException(why);
        }

        VulkanInstance instance;
        try
        {
            instance = VulkanInstance.Create(options.ApplicationName, options.EnableValidation);
        }
        catch (Exception e) when (e is not VulkanException)
        {
            throw new VulkanUnavailableException($"Vulkan loader unusable: {e.Message}", e);
        }
        try
        {
            PhysicalDevice[] physical = instance.EnumeratePhysicalDevices();
            VulkanPhysicalDeviceInfo[] infos = physical.Select((pd, i) => instance.Describe(pd, i)).ToArray();
            int index = VulkanDeviceSelector.Select(infos, options.DeviceIndex);
            uint family = (uint)instance.FindComputeQueueFamily(physical[index]);
            var device = new VulkanDevice(instance, physical[index], family, infos[index], infos, log ?? Serilog.Core.Logger.None);
            device._current = device.CreateLogical(1);
            return device;
        }
        catch
        {
            instance.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Takes a reference on the current logical device (released with <see cref="VulkanLogicalDevice.Release"/>), or
    /// null when the device is dead or disposed.
    /// </summary>
    internal VulkanLogicalDevice? AcquireCurrent()
    {
        while (true)
        {
            VulkanLogicalDevice? current = Volatile.Read(ref _current);
            if (current is null)
            {
                return null;
            }

            if (current.TryAcquire())
            {
                return current;
            }
            // Raced with a recreation that dropped the last reference: the next read sees its replacement.
        }
    }

    /// <summary>
    /// Replaces <paramref name="lost"/> with a new logical device on the same physical device. Idempotent: when
    /// another engine already replaced it, returns at once. Returns false when the device is dead (recreation failed).
    /// </summary>
    internal bool Recreate(VulkanLogicalDevice lost, string reason)
    {
        using (_recreateLock.Acquire())
        {
            if (_disposed)
            {
                return false;
            }

            if (!ReferenceEquals(_current, lost))
            {
                return _current is not null;
            }

            _log.Error("Vulkan device lost ({Reason}): recreating {Device}", reason, Info.Name);
            _current = null;
            lost.Release();
            try
            {
                if (Faults.TakeRecreateFailure())
                {
                    throw new VulkanException(Result.ErrorInitializationFailed, "vkCreateDevice", "injected");
                }

                Volatile.Write(ref _current, CreateLogical(lost.Generation + 1));
                Interlocked.Increment(ref _recreations);
                Faults.OnRecreated();
                _log.Information("Vulkan device recreated (generation {Generation})", lost.Generation + 1);
                return true;
            }
            catch (VulkanException e)
            {
                _log.Error("Vulkan device recreation failed: {Error}", e.Message);
                return false;
            }
        }
    }

    /// <summary>Tries to bring a dead device back (a new logical device). True when the device is usable.</summary>
    public bool TryRevive()
    {
        using (_recreateLock.Acquire())
        {
            if (_disposed)
            {
                return false;
            }

            if (_current is not null)
            {
                return true;
            }

            try
            {
                long generation = _created.Count == 0 ? 1 : _created[^1].Generation + 1;
                Volatile.Write(ref _current, CreateLogical(generation));
                Interlocked.Increment(ref _recreations);
                return true;
            }
            catch (VulkanException e)
            {
                _log.Error("Vulkan device revival failed: {Error}", e.Message);
                return false;
            }
        }
    }

    private VulkanLogicalDevice CreateLogical(long generation)
    {
        var ld = VulkanLogicalDevice.Create(_instance, _physical, _family, generation, Faults);
        _created.Add(ld);
        return ld;
    }

    /// <summary>
    /// Releases the device. Dispose its engines first: a logical device they still hold is left to them, and the
    /// instance is then leaked rather than destroyed under it.
    /// </summary>
    public void Dispose()
    {
        bool allGone;
        using (_recreateLock.Acquire())
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            VulkanLogicalDevice? current = _current;
            _current = null;
            current?.Release();
            allGone = _created.All(d => d.IsDestroyed);
        }
        if (allGone)
        {
            _instance.Dispose();
        }
        else
        {
            _log.Warning("Vulkan device disposed while an engine still holds a logical device: instance leaked");
        }
    }
}
