using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace Driver.Engines.Vulkan;

/// <summary>
/// The three compute kernels on one logical device, shared by all its engines (pipelines are immutable and may be
/// bound from any thread; compiling them is the slow part of setting up): one descriptor-set layout (the arena, a
/// storage buffer at binding 0), one pipeline layout (plus eight push-constant dwords), a pipeline per kernel in
/// <see cref="ShaderLibrary.Names"/> order (the <see cref="VulkanOpKind"/> order).
/// </summary>
internal sealed unsafe class VulkanKernels : IDisposable
{
    private readonly Vk _api;
    private readonly Device _device;
    private DescriptorSetLayout _setLayout;
    private PipelineLayout _layout;
    private readonly ShaderModule[] _modules = new ShaderModule[ShaderLibrary.Names.Length];
    private readonly Pipeline[] _pipelines = new Pipeline[ShaderLibrary.Names.Length];

    private VulkanKernels(Vk api, Device device)
    {
        _api = api;
        _device = device;
    }

    /// <summary>The arena's descriptor-set layout.</summary>
    public DescriptorSetLayout SetLayout => _setLayout;

    /// <summary>The shared pipeline layout.</summary>
    public PipelineLayout Layout => _layout;

    /// <summary>The pipeline of <paramref name="kind"/>.</summary>
    public Pipeline this[VulkanOpKind kind] => _pipelines[(int)kind];

    /// <summary>Builds the kernels; on failure destroys what was built and rethrows.</summary>
    public static VulkanKernels Create(Vk api, Device device)
    {
        var k = new VulkanKernels(api, device);
        try
        {
            k.Build();
            return k;
        }
        catch
        {
            k.Dispose();
            throw;
        }
    }

    private void Build()
    {
        var binding = new DescriptorSetLayoutBinding
        {
            Binding = 0,
            DescriptorType = DescriptorType.StorageBuffer,
            DescriptorCount = 1,
            StageFlags = ShaderStageFlags.ComputeBit,
        };
        var setInfo = new DescriptorSetLayoutCreateInfo { SType = StructureType.DescriptorSetLayoutCreateInfo, BindingCount = 1, PBindings = &binding };
        fixed (DescriptorSetLayout* p = &_setLayout)
        {
            VkCheck.Ok(_api.CreateDescriptorSetLayout(_device, &setInfo, null, p), "vkCreateDescriptorSetLayout");
        }

        var range = new PushConstantRange { StageFlags = ShaderStageFlags.ComputeBit, Offset = 0, Size = ArenaLayout.PushConstantWords * 4 };
        DescriptorSetLayout setLayout = _setLayout;
        var layoutInfo = new PipelineLayoutCreateInfo
        {
            SType = StructureType.PipelineLayoutCreateInfo,
            SetLayoutCount = 1,
            PSetLayouts = &setLayout,
            PushConstantRangeCount = 1,
            PPushConstantRanges = &range,
        };
        fixed (PipelineLayout* p = &_layout)
        {
            VkCheck.Ok(_api.CreatePipelineLayout(_device, &layoutInfo, null, p), "vkCreatePipelineLayout");
        }

        for (int i = 0; i < ShaderLibrary.Names.Length; i++)
        {
            BuildPipeline(i);
        }
    }

    private void BuildPipeline(int index)
    {
        uint[] code = ShaderLibrary.Load(ShaderLibrary.Names[index]);
        fixed (uint* words = code)
        {
            var moduleInfo = new ShaderModuleCreateInfo { SType = StructureType.ShaderModuleCreateInfo, CodeSize = (nuint)(code.Length * 4), PCode = words };
            fixed (ShaderModule* p = &_modules[index])
            {
                VkCheck.Ok(_api.CreateShaderModule(_device, &moduleInfo, null, p), "vkCreateShaderModule");
            }
        }
        byte* entry = (byte*)SilkMarshal.StringToPtr("main");
        try
        {
            var info = new ComputePipelineCreateInfo
            {
                SType = StructureType.ComputePipelineCreateInfo,
                Stage = new PipelineShaderStageCreateInfo
                {
                    SType = StructureType.PipelineShaderStageCreateInfo,
                    Stage = ShaderStageFlags.ComputeBit,
                    Module = _modules[index],
                    PName = entry,
                },
                Layout = _layout,
            };
            fixed (Pipeline* p = &_pipelines[index])
            {
                VkCheck.Ok(_api.CreateComputePipelines(_device, default, 1, &info, null, p), "vkCreateComputePipelines");
            }
        }
        finally
        {
            SilkMarshal.Free((nint)entry);
        }
    }

    /// <summary>Destroys the kernels (no engine may still use them).</summary>
    public void Dispose()
    {
        foreach (Pipeline p in _pipelines)
        {
            if (p.Handle != 0)
            {
                _api.DestroyPipeline(_device, p, null);
            }
        }

        foreach (ShaderModule m in _modules)
        {
            if (m.Handle != 0)
            {
                _api.DestroyShaderModule(_device, m, null);
            }
        }

        if (_layout.Handle != 0)
        {
            _api.DestroyPipelineLayout(_device, _layout, null);
        }

        if (_setLayout.Handle != 0)
        {
            _api.DestroyDescriptorSetLayout(_device, _setLayout, null);
        }

        Array.Clear(_pipelines);
        Array.Clear(_modules);
        _layout = default;
        _setLayout = default;
    }
}
