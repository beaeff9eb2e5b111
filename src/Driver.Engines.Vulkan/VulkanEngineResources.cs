using System.Diagnostics;
using Silk.NET.Vulkan;

namespace Driver.Engines.Vulkan;

/// <summary>
/// Everything one engine keeps on one logical device: the arena, a descriptor set bound to it (for the device's
/// shared <see cref="VulkanKernels"/>), a resettable command buffer, and the VkFence each request is fenced with.
/// Rebuilt on the new device after a device loss.
/// </summary>
internal sealed unsafe class VulkanEngineResources : IDisposable
{
    private readonly Vk _api;
    private readonly Device _device;
    private readonly VulkanKernels _kernels;
    private DescriptorPool _pool;
    private DescriptorSet _set;
    private CommandPool _commandPool;
    private CommandBuffer _commandBuffer;
    private Fence _fence;
    private VulkanHostBuffer? _arena;

    private VulkanEngineResources(VulkanLogicalDevice device)
    {
        Device = device;
        _api = device.Api;
        _device = device.Handle;
        _kernels = device.Kernels;
    }

    /// <summary>The logical device these live on (the engine holds a reference on it).</summary>
    public VulkanLogicalDevice Device { get; }

    /// <summary>The arena.</summary>
    public VulkanHostBuffer Arena => _arena!;

    /// <summary>Builds everything on <paramref name="device"/>; on failure destroys what was built and rethrows.</summary>
    public static VulkanEngineResources Create(VulkanLogicalDevice device)
    {
        var r = new VulkanEngineResources(device);
        try
        {
            r.Build();
            return r;
        }
        catch
        {
            r.Dispose();
            throw;
        }
    }

    private void Build()
    {
        _arena = VulkanHostBuffer.Create(_api, _device, Device.MemoryProperties, ArenaLayout.Words * 4UL);

        BuildDescriptorSet();
        BuildCommands();
    }

    private void BuildDescriptorSet()
    {
        var size = new DescriptorPoolSize { Type = DescriptorType.StorageBuffer, DescriptorCount = 1 };
        var poolInfo = new DescriptorPoolCreateInfo { SType = StructureType.DescriptorPoolCreateInfo, MaxSets = 1, PoolSizeCount = 1, PPoolSizes = &size };
        fixed (DescriptorPool* p = &_pool)
        {
            VkCheck.Ok(_api.CreateDescriptorPool(_device, &poolInfo, null, p), "vkCreateDescriptorPool");
        }

        DescriptorSetLayout setLayout = _kernels.SetLayout;
        var alloc = new DescriptorSetAllocateInfo { SType = StructureType.DescriptorSetAllocateInfo, DescriptorPool = _pool, DescriptorSetCount = 1, PSetLayouts = &setLayout };
        fixed (DescriptorSet* p = &_set)
        {
            VkCheck.Ok(_api.AllocateDescriptorSets(_device, &alloc, p), "vkAllocateDescriptorSets");
        }

        var bufferInfo = new DescriptorBufferInfo { Buffer = Arena.Handle, Offset = 0, Range = Vk.WholeSize };
        var write = new WriteDescriptorSet
        {
            SType = StructureType.WriteDescriptorSet,
            DstSet = _set,
            DstBinding = 0,
            DescriptorCount = 1,
            DescriptorType = DescriptorType.StorageBuffer,
            PBufferInfo = &bufferInfo,
        };
        _api.UpdateDescriptorSets(_device, 1, &write, 0, null);
    }

    private void BuildCommands()
    {
        var poolInfo = new CommandPoolCreateInfo
        {
            SType = StructureType.CommandPoolCreateInfo,
            Flags = CommandPoolCreateFlags.ResetCommandBufferBit,
            QueueFamilyIndex = Device.QueueFamily,
        };
        fixed (CommandPool* p = &_commandPool)
        {
            VkCheck.Ok(_api.CreateCommandPool(_device, &poolInfo, null, p), "vkCreateCommandPool");
        }

        var alloc = new CommandBufferAllocateInfo
        {
            SType = StructureType.CommandBufferAllocateInfo,
            CommandPool = _commandPool,
            Level = CommandBufferLevel.Primary,
            CommandBufferCount = 1,
        };
        fixed (CommandBuffer* p = &_commandBuffer)
        {
            VkCheck.Ok(_api.AllocateCommandBuffers(_device, &alloc, p), "vkAllocateCommandBuffers");
        }

        var fenceInfo = new FenceCreateInfo { SType = StructureType.FenceCreateInfo };
        fixed (Fence* p = &_fence)
        {
            VkCheck.Ok(_api.CreateFence(_device, &fenceInfo, null, p), "vkCreateFence");
        }
    }

    /// <summary>
    /// Records <paramref name="program"/> from op <paramref name="from"/> (0, or where a kernel yielded): one dispatch
    /// per op, each followed by a compute→compute barrier so an op sees its predecessors' writes, and a final
    /// compute→host barrier so the host reads the results after the fence.
    /// </summary>
    public void Record(VulkanProgram program, int from, uint spinCap, Func<uint, uint> workUnits)
    {
        CommandBuffer cb = _commandBuffer;
        VkCheck.Ok(_api.ResetCommandBuffer(cb, 0), "vkResetCommandBuffer");
        var begin = new CommandBufferBeginInfo { SType = StructureType.CommandBufferBeginInfo, Flags = CommandBufferUsageFlags.OneTimeSubmitBit };
        VkCheck.Ok(_api.BeginCommandBuffer(cb, &begin), "vkBeginCommandBuffer");
        DescriptorSet set = _set;
        _api.CmdBindDescriptorSets(cb, PipelineBindPoint.Compute, _kernels.Layout, 0, 1, &set, 0, null);
        int bound = -1;
        uint* pc = stackalloc uint[ArenaLayout.PushConstantWords];
        for (int index = from; index < program.Ops.Count; index++)
        {
            VulkanOp op = program.Ops[index];
            int pipeline = (int)op.Kind;
            if (pipeline != bound)
            {
                _api.CmdBindPipeline(cb, PipelineBindPoint.Compute, _kernels[op.Kind]);
            }

            bound = pipeline;
            new Span<uint>(pc, ArenaLayout.PushConstantWords).Clear();
            switch (op.Kind)
            {
                case VulkanOpKind.Store:
                    pc[0] = (uint)op.First; pc[1] = (uint)op.Count; pc[2] = ArenaLayout.StoreBase; pc[3] = ArenaLayout.MemBase;
                    break;
                case VulkanOpKind.Spin:
                    pc[0] = (uint)op.First; pc[1] = (uint)op.Count; pc[2] = ArenaLayout.ConditionBase; pc[3] = ArenaLayout.MemBase;
                    pc[4] = op.Mode == SpinMode.ConditionalEnd ? 1u : Math.Max(1u, spinCap);
                    // Bit 0: a hit ends the batch; bit 1: reaching the cap is a hang.
                    pc[5] = op.Mode switch { SpinMode.Semaphore => 2u, SpinMode.ConditionalEnd => 1u, _ => 3u };
                    pc[6] = ArenaLayout.SpinSlice(op.Count);
                    pc[7] = (uint)index;
                    break;
                case VulkanOpKind.Work:
                    pc[0] = workUnits(op.Nanoseconds); pc[1] = ArenaLayout.WorkSlice; pc[2] = (uint)index;
                    break;
            }
            _api.CmdPushConstants(cb, _kernels.Layout, ShaderStageFlags.ComputeBit, 0, ArenaLayout.PushConstantWords * 4, pc);
            _api.CmdDispatch(cb, 1, 1, 1);
            Barrier(cb, PipelineStageFlags.ComputeShaderBit, AccessFlags.ShaderReadBit | AccessFlags.ShaderWriteBit);
        }
        Barrier(cb, PipelineStageFlags.HostBit, AccessFlags.HostReadBit);
        VkCheck.Ok(_api.EndCommandBuffer(cb), "vkEndCommandBuffer");
    }

    private void Barrier(CommandBuffer cb, PipelineStageFlags dstStage, AccessFlags dstAccess)
    {
        var barrier = new MemoryBarrier { SType = StructureType.MemoryBarrier, SrcAccessMask = AccessFlags.ShaderWriteBit, DstAccessMask = dstAccess };
        _api.CmdPipelineBarrier(cb, PipelineStageFlags.ComputeShaderBit, dstStage, 0, 1, &barrier, 0, null, 0, null);
    }

    /// <summary>Whether a submission is on the device and its fence has not been seen signalled (engine thread only).</summary>
    public bool InFlight { get; private set; }

    /// <summary>Resets the fence and submits the recorded command buffer (queue lock inside). Throws on device loss.</summary>
    public void Submit()
    {
        Fence fence = _fence;
        VkCheck.Ok(_api.ResetFences(_device, 1, &fence), "vkResetFences");
        Device.Submit(_commandBuffer, _fence);
        InFlight = true;
    }

    /// <summary>One bounded wait for the submission's fence (see <see cref="VulkanLogicalDevice.WaitFence"/>); true once signalled.</summary>
    public bool Wait(TimeSpan slice)
    {
        if (!Device.WaitFence(_fence, slice))
        {
            return false;
        }

        InFlight = false;
        return true;
    }

    /// <summary>
    /// After a loss: waits (bounded) for a submission still in flight, ignoring the device state. True when nothing of
    /// ours runs on the device any more — the fence signalled, or the driver reports the device lost (a lost device
    /// runs nothing more, and freeing objects is then allowed).
    /// </summary>
    public bool Drain(TimeSpan bound)
    {
        if (!InFlight)
        {
            return true;
        }

        long deadline = Stopwatch.GetTimestamp() + (long)(bound.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (Device.WaitFenceRaw(_fence, VulkanLogicalDevice.MaxWaitSlice) != Result.Timeout)
            {
                InFlight = false;
                return true;
            }
            if (Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }
        }
    }

    /// <summary>Destroys everything (the device must no longer be using any of it).</summary>
    public void Dispose()
    {
        if (_fence.Handle != 0)
        {
            _api.DestroyFence(_device, _fence, null);
        }

        if (_commandPool.Handle != 0)
        {
            _api.DestroyCommandPool(_device, _commandPool, null);
        }

        if (_pool.Handle != 0)
        {
            _api.DestroyDescriptorPool(_device, _pool, null);
        }

        _arena?.Dispose();
        _fence = default;
        _commandPool = default;
        _pool = default;
        _arena = null;
    }
}
