using Driver.Core.Locking;
using Silk.NET.Vulkan;

namespace Driver.Engines.Vulkan;

/// <summary>
/// One VkDevice and its compute queue, shared by the engines of a <see cref="VulkanDevice"/> and reference counted:
/// the owner holds one reference, each engine another while it has objects on it. A lost device is replaced by a
/// new one; the old handle is destroyed when the last engine let go of it, so no engine ever calls into a destroyed
/// device (the Ryujinx FenceHolder idea applied to the whole device).
/// </summary>
internal sealed unsafe class VulkanLogicalDevice
{
    /// <summary>Longest single vkWaitForFences: callers loop, so nothing ever waits unbounded.</summary>
    public static readonly TimeSpan MaxWaitSlice = TimeSpan.FromMilliseconds(100);

    /// <summary>Serialises vkQueueSubmit (a queue is externally synchronised); a leaf lock, held only for the call.</summary>
    private readonly DriverMutex _queueLock = new("vk->queue_lock");
    private readonly VulkanFaultInjection _faults;
    private int _refs = 1;
    private int _lost;
    private int _tainted;
    private int _destroyed;

    /// <summary>Guards the lazy creation of <see cref="_kernels"/>; a leaf lock held across pipeline creation.</summary>
    private readonly DriverMutex _kernelsLock = new("vk->kernels_mutex");
    private VulkanKernels? _kernels;

    private VulkanLogicalDevice(Vk api, Device device, Queue queue, uint family, long generation,
        PhysicalDeviceMemoryProperties memory, VulkanFaultInjection faults)
    {
        Api = api;
        Handle = device;
        Queue = queue;
        QueueFamily = family;
        Generation = generation;
        MemoryProperties = memory;
        _faults = faults;
    }

    /// <summary>API object bound to this device (device-level function pointers).</summary>
    public Vk Api { get; }

    /// <summary>The VkDevice.</summary>
    public Device Handle { get; }

    /// <summary>The compute queue.</summary>
    public Queue Queue { get; }

    /// <summary>Its queue family.</summary>
    public uint QueueFamily { get; }

    /// <summary>1 for the first device, +1 per recreation.</summary>
    public long Generation { get; }

    /// <summary>Memory types of the physical device.</summary>
    public PhysicalDeviceMemoryProperties MemoryProperties { get; }

    /// <summary>Whether the device was lost (reported, injected, or declared after a batch would not stop).</summary>
    public bool IsLost => Volatile.Read(ref _lost) != 0;

    /// <summary>Creates a device with one compute queue on <paramref name="physical"/>.</summary>
    public static VulkanLogicalDevice Create(VulkanInstance instance, PhysicalDevice physical, uint family, long generation,
        VulkanFaultInjection faults)
    {
        float priority = 1f;
        var queueInfo = new DeviceQueueCreateInfo
        {
            SType = StructureType.DeviceQueueCreateInfo,
            QueueFamilyIndex = family,
            QueueCount = 1,
            PQueuePriorities = &priority,
        };
        var info = new DeviceCreateInfo { SType = StructureType.DeviceCreateInfo, QueueCreateInfoCount = 1, PQueueCreateInfos = &queueInfo };
        Device device;
        VkCheck.Ok(instance.Api.CreateDevice(physical, &info, null, &device), "vkCreateDevice");
        // A Vk bound to this device: its function pointers come from vkGetDeviceProcAddr(device), and recreating
        // the device later gives the new one its own table.
        Vk api = instance.Api.CloneWith(instance.Handle, device);
        Queue queue;
        api.GetDeviceQueue(device, family, 0, &queue);
        PhysicalDeviceMemoryProperties memory;
        instance.Api.GetPhysicalDeviceMemoryProperties(physical, &memory);
        return new VulkanLogicalDevice(api, device, queue, family, generation, memory, faults);
    }

    /// <summary>The compute kernels on this device, built by the first engine that needs them, shared by all.</summary>
    public VulkanKernels Kernels
    {
        get
        {
            VulkanKernels? k = Volatile.Read(ref _kernels);
            if (k is not null)
            {
                return k;
            }

            using (_kernelsLock.Acquire())
            {
                _kernels ??= VulkanKernels.Create(Api, Handle);
                return _kernels;
            }
        }
    }

    /// <summary>Whether the VkDevice has been destroyed (the last reference went).</summary>
    public bool IsDestroyed => Volatile.Read(ref _destroyed) != 0;

    /// <summary>Marks the device lost; true for the first caller (whose request is the guilty one).</summary>
    public bool MarkLost() => Interlocked.Exchange(ref _lost, 1) == 0;

    /// <summary>Objects on this device were leaked because the device might still use them: never destroy it.</summary>
    public void Taint() => Volatile.Write(ref _tainted, 1);

    /// <summary>Takes a reference unless the device is already being destroyed.</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            int n = Volatile.Read(ref _refs);
            if (n <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _refs, n + 1, n) == n)
            {
                return true;
            }
        }
    }

    /// <summary>Drops a reference; the last one destroys the VkDevice (its objects must be gone already).</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _refs) != 0)
        {
            return;
        }

        if (Volatile.Read(ref _tainted) != 0)
        {
            return;
        }
        // The last reference: no engine is left to use the kernels.
        _kernels?.Dispose();
        Api.DestroyDevice(Handle, null);
        Volatile.Write(ref _destroyed, 1);
    }

    /// <summary>Submits one command buffer signalling <paramref name="fence"/>. Throws on device loss.</summary>
    public void Submit(CommandBuffer commandBuffer, Fence fence)
    {
        if (IsLost)
        {
            throw new VulkanDeviceLostException("vkQueueSubmit", "device already lost");
        }

        var submit = new SubmitInfo { SType = StructureType.SubmitInfo, CommandBufferCount = 1, PCommandBuffers = &commandBuffer };
        Result r;
        using (_queueLock.Acquire())
        {
            r = Api.QueueSubmit(Queue, 1, &submit, fence);
        }

        if (r == Result.ErrorDeviceLost)
        {
            throw new VulkanDeviceLostException("vkQueueSubmit") { Culprit = MarkLost() };
        }

        VkCheck.Ok(r, "vkQueueSubmit");
    }

    /// <summary>
    /// Waits at most <paramref name="timeout"/> (clamped to <see cref="MaxWaitSlice"/>) for <paramref name="fence"/>:
    /// true when signalled, false on timeout. Throws <see cref="VulkanDeviceLostException"/> when the device is lost
    /// (reported now, injected, or marked by another engine).
    /// </summary>
    public bool WaitFence(Fence fence, TimeSpan timeout)
    {
        if (IsLost)
        {
            throw new VulkanDeviceLostException("vkWaitForFences", "device marked lost");
        }

        if (_faults.TakeDeviceLost())
        {
            throw new VulkanDeviceLostException("vkWaitForFences", "injected", injected: true) { Culprit = MarkLost() };
        }

        if (_faults.FencesStuck)
        {
            Thread.Sleep(timeout > MaxWaitSlice ? MaxWaitSlice : timeout);
            return false;
        }
        Result r = WaitFenceRaw(fence, timeout);
        if (r == Result.ErrorDeviceLost)
        {
            throw new VulkanDeviceLostException("vkWaitForFences") { Culprit = MarkLost() };
        }

        VkCheck.Ok(r, "vkWaitForFences");
        return r == Result.Success;
    }

    /// <summary>One bounded vkWaitForFences whatever the device state (used to drain a lost device's work).</summary>
    public Result WaitFenceRaw(Fence fence, TimeSpan timeout)
    {
        if (timeout > MaxWaitSlice)
        {
            timeout = MaxWaitSlice;
        }

        ulong ns = (ulong)Math.Max(0, timeout.Ticks) * 100;
        return Api.WaitForFences(Handle, 1, &fence, true, ns);
    }

    /// <inheritdoc/>
    public override string ToString() => $"VkDevice generation {Generation}";
}
