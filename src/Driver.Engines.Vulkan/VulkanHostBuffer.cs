using Silk.NET.Vulkan;
using Buffer = Silk.NET.Vulkan.Buffer;

namespace Driver.Engines.Vulkan;

/// <summary>
/// A storage buffer in host-visible, host-coherent memory, persistently mapped. Word accessors are volatile: the
/// device reads and writes the same memory while a kernel runs, and coherent memory needs no flush or invalidate.
/// </summary>
internal sealed unsafe class VulkanHostBuffer : IDisposable
{
    private readonly Vk _api;
    private readonly Device _device;
    private readonly uint* _mapped;
    private bool _disposed;

    private VulkanHostBuffer(Vk api, Device device, Buffer buffer, DeviceMemory memory, uint* mapped, ulong size)
    {
        _api = api;
        _device = device;
        Handle = buffer;
        Memory = memory;
        _mapped = mapped;
        Size = size;
    }

    /// <summary>The VkBuffer.</summary>
    public Buffer Handle { get; }

    /// <summary>Its memory.</summary>
    public DeviceMemory Memory { get; }

    /// <summary>Size in bytes.</summary>
    public ulong Size { get; }

    /// <summary>Size in dwords.</summary>
    public int Words => (int)(Size / 4);

    /// <summary>Reads dword <paramref name="index"/>.</summary>
    public uint Read(int index)
    {
        CheckIndex(index);
        return Volatile.Read(ref _mapped[index]);
    }

    /// <summary>Writes dword <paramref name="index"/>.</summary>
    public void Write(int index, uint value)
    {
        CheckIndex(index);
        Volatile.Write(ref _mapped[index], value);
    }

    /// <summary>Zeroes dwords [<paramref name="index"/>, <paramref name="index"/> + <paramref name="count"/>).</summary>
    public void Clear(int index, int count)
    {
        if (count == 0)
        {
            return;
        }

        CheckIndex(index);
        CheckIndex(index + count - 1);
        new Span<uint>(_mapped + index, count).Clear();
    }

    /// <summary>Creates a buffer of <paramref name="size"/> bytes for storage use, mapped.</summary>
    public static VulkanHostBuffer Create(Vk api, Device device, PhysicalDeviceMemoryProperties memoryProperties, ulong size)
    {
        var info = new BufferCreateInfo
        {
            SType = StructureType.BufferCreateInfo,
            Size = size,
            Usage = BufferUsageFlags.StorageBufferBit,
            SharingMode = SharingMode.Exclusive,
        };
        Buffer buffer;
        VkCheck.Ok(api.CreateBuffer(device, &info, null, &buffer), "vkCreateBuffer");
        DeviceMemory memory = default;
        try
        {
            MemoryRequirements req;
            api.GetBufferMemoryRequirements(device, buffer, &req);
            int type = FindMemoryType(memoryProperties, req.MemoryTypeBits,
                MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit);
            if (type < 0)
            {
                throw new VulkanException(Result.ErrorFeatureNotPresent, "vkAllocateMemory", "no host-visible coherent memory type");
            }

            var alloc = new MemoryAllocateInfo { SType = StructureType.MemoryAllocateInfo, AllocationSize = req.Size, MemoryTypeIndex = (uint)type };
            VkCheck.Ok(api.AllocateMemory(device, &alloc, null, &memory), "vkAllocateMemory");
            VkCheck.Ok(api.BindBufferMemory(device, buffer, memory, 0), "vkBindBufferMemory");
            void* mapped;
            VkCheck.Ok(api.MapMemory(device, memory, 0, size, 0, &mapped), "vkMapMemory");
            new Span<byte>(mapped, (int)size).Clear();
            return new VulkanHostBuffer(api, device, buffer, memory, (uint*)mapped, size);
        }
        catch
        {
            if (memory.Handle != 0)
            {
                api.FreeMemory(device, memory, null);
            }

            api.DestroyBuffer(device, buffer, null);
            throw;
        }
    }

    private static int FindMemoryType(PhysicalDeviceMemoryProperties props, uint typeBits, MemoryPropertyFlags wanted)
    {
        for (int i = 0; i < props.MemoryTypeCount; i++)
        {
            if ((typeBits & (1u << i)) != 0 && (props.MemoryTypes[i].PropertyFlags & wanted) == wanted)
            {
                return i;
            }
        }

        return -1;
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Words)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"buffer holds {Words} dwords");
        }
    }

    /// <summary>Unmaps and frees. The device must no longer use the buffer.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _api.UnmapMemory(_device, Memory);
        _api.DestroyBuffer(_device, Handle, null);
        _api.FreeMemory(_device, Memory, null);
    }
}
