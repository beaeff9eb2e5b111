using System.Runtime.InteropServices;
using Silk.NET.Core;
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace Driver.Engines.Vulkan;

/// <summary>
/// A VkInstance: with VK_LAYER_KHRONOS_validation and a debug-utils messenger feeding a
/// <see cref="VulkanValidationLog"/> when validation is asked for and installed; plain otherwise (the probe).
/// </summary>
internal sealed unsafe class VulkanInstance : IDisposable
{
    /// <summary>The Khronos validation layer.</summary>
    public const string ValidationLayer = "VK_LAYER_KHRONOS_validation";

    private const string DebugUtilsExtension = "VK_EXT_debug_utils";

    private GCHandle _logHandle;
    private DebugUtilsMessengerEXT _messenger;
    private bool _disposed;

    private VulkanInstance(Vk api, Instance instance, bool validation, VulkanValidationLog log)
    {
        Api = api;
        Handle = instance;
        ValidationEnabled = validation;
        Validation = log;
    }

    /// <summary>The API object, bound to this instance (instance-level calls).</summary>
    public Vk Api { get; }

    /// <summary>The VkInstance.</summary>
    public Instance Handle { get; }

    /// <summary>Whether the validation layer and its messenger are active.</summary>
    public bool ValidationEnabled { get; }

    /// <summary>What the validation layer reported.</summary>
    public VulkanValidationLog Validation { get; }

    /// <summary>Creates an instance (Vulkan 1.2), with validation when <paramref name="validation"/> and available.</summary>
    public static VulkanInstance Create(string applicationName, bool validation)
    {
        var api = Vk.GetApi();
        bool layer = validation && HasLayer(api, ValidationLayer);
        bool debugUtils = layer && (HasExtension(api, null, DebugUtilsExtension) || HasExtension(api, ValidationLayer, DebugUtilsExtension));
        var log = new VulkanValidationLog();
        var handle = GCHandle.Alloc(log);
        byte* name = (byte*)SilkMarshal.StringToPtr(applicationName);
        byte* layerName = (byte*)SilkMarshal.StringToPtr(ValidationLayer);
        byte* extName = (byte*)SilkMarshal.StringToPtr(DebugUtilsExtension);
        try
        {
            var app = new ApplicationInfo
            {
                SType = StructureType.ApplicationInfo,
                PApplicationName = name,
                ApplicationVersion = new Version32(1, 0, 0),
                PEngineName = name,
                EngineVersion = new Version32(1, 0, 0),
                ApiVersion = Vk.Version12,
            };
            // Chained into the create info too, so messages from vkCreateInstance/vkDestroyInstance are counted.
            DebugUtilsMessengerCreateInfoEXT messengerInfo = log.CreateInfo(handle);
            var info = new InstanceCreateInfo
            {
                SType = StructureType.InstanceCreateInfo,
                PApplicationInfo = &app,
                EnabledLayerCount = layer ? 1u : 0u,
                PpEnabledLayerNames = layer ? &layerName : null,
                EnabledExtensionCount = debugUtils ? 1u : 0u,
                PpEnabledExtensionNames = debugUtils ? &extName : null,
                PNext = debugUtils ? &messengerInfo : null,
            };
            Instance instance;
            VkCheck.Ok(api.CreateInstance(&info, null, &instance), "vkCreateInstance");
            api.CurrentInstance = instance;
            var result = new VulkanInstance(api, instance, layer && debugUtils, log) { _logHandle = handle };
            if (debugUtils)
            {
                result.CreateMessenger(messengerInfo);
            }

            return result;
        }
        catch
        {
            handle.Free();
            throw;
        }
        finally
        {
            SilkMarshal.Free((nint)name);
            SilkMarshal.Free((nint)layerName);
            SilkMarshal.Free((nint)extName);
        }
    }

    /// <summary>Physical devices in enumeration order.</summary>
    public PhysicalDevice[] EnumeratePhysicalDevices()
    {
        uint count = 0;
        VkCheck.Ok(Api.EnumeratePhysicalDevices(Handle, &count, null), "vkEnumeratePhysicalDevices");
        var devices = new PhysicalDevice[count];
        if (count == 0)
        {
            return devices;
        }

        fixed (PhysicalDevice* p = devices)
        {
            VkCheck.Ok(Api.EnumeratePhysicalDevices(Handle, &count, p), "vkEnumeratePhysicalDevices");
        }

        return devices[..(int)count];
    }

    /// <summary>Describes a physical device: name, driver (VkPhysicalDeviceDriverProperties where supported), API version, type.</summary>
    public VulkanPhysicalDeviceInfo Describe(PhysicalDevice device, int index)
    {
        PhysicalDeviceProperties props;
        Api.GetPhysicalDeviceProperties(device, &props);
        string name = SilkMarshal.PtrToString((nint)props.DeviceName) ?? "?";
        var api = (Version32)props.ApiVersion;
        string driver = $"driver version 0x{props.DriverVersion:x}";
        if (api.Major > 1 || api.Minor >= 2)
        {
            // Core in 1.2: the driver's own name ("llvmpipe") and info ("Mesa 22.3.6 (LLVM 15.0.6)").
            var driverProps = new PhysicalDeviceDriverProperties { SType = StructureType.PhysicalDeviceDriverProperties };
            var props2 = new PhysicalDeviceProperties2 { SType = StructureType.PhysicalDeviceProperties2, PNext = &driverProps };
            Api.GetPhysicalDeviceProperties2(device, &props2);
            string driverName = SilkMarshal.PtrToString((nint)driverProps.DriverName) ?? "";
            string driverInfo = SilkMarshal.PtrToString((nint)driverProps.DriverInfo) ?? "";
            if (driverName.Length > 0)
            {
                driver = driverInfo.Length > 0 ? $"{driverName} ({driverInfo})" : driverName;
            }
        }
        return new VulkanPhysicalDeviceInfo(index, name, driver, $"{api.Major}.{api.Minor}.{api.Patch}",
            props.DeviceType.ToString(), props.VendorID, props.DeviceID, FindComputeQueueFamily(device) >= 0);
    }

    /// <summary>The first queue family with compute, or -1.</summary>
    public int FindComputeQueueFamily(PhysicalDevice device)
    {
        uint count = 0;
        Api.GetPhysicalDeviceQueueFamilyProperties(device, &count, null);
        QueueFamilyProperties* families = stackalloc QueueFamilyProperties[(int)count];
        Api.GetPhysicalDeviceQueueFamilyProperties(device, &count, families);
        for (int i = 0; i < count; i++)
        {
            if ((families[i].QueueFlags & QueueFlags.ComputeBit) != 0 && families[i].QueueCount > 0)
            {
                return i;
            }
        }

        return -1;
    }

    private void CreateMessenger(DebugUtilsMessengerCreateInfoEXT info)
    {
        var create = (delegate* unmanaged[Cdecl]<Instance, DebugUtilsMessengerCreateInfoEXT*, AllocationCallbacks*, DebugUtilsMessengerEXT*, Result>)
            (void*)Api.GetInstanceProcAddr(Handle, "vkCreateDebugUtilsMessengerEXT").Handle;
        if (create is null)
        {
            return;
        }

        DebugUtilsMessengerEXT messenger;
        if (create(Handle, &info, null, &messenger) == Result.Success)
        {
            _messenger = messenger;
        }
    }

    private static bool HasLayer(Vk api, string layer)
    {
        uint count = 0;
        if (api.EnumerateInstanceLayerProperties(&count, null) < Result.Success || count == 0)
        {
            return false;
        }

        var layers = new LayerProperties[count];
        fixed (LayerProperties* p = layers)
        {
            if (api.EnumerateInstanceLayerProperties(&count, p) < Result.Success)
            {
                return false;
            }
        }

        for (int i = 0; i < count; i++)
        {
            fixed (byte* n = layers[i].LayerName)
            {
                if (SilkMarshal.PtrToString((nint)n) == layer)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool HasExtension(Vk api, string? layer, string extension)
    {
        byte* layerName = layer is null ? null : (byte*)SilkMarshal.StringToPtr(layer);
        try
        {
            uint count = 0;
            if (api.EnumerateInstanceExtensionProperties(layerName, &count, null) < Result.Success || count == 0)
            {
                return false;
            }

            var exts = new ExtensionProperties[count];
            fixed (ExtensionProperties* p = exts)
            {
                if (api.EnumerateInstanceExtensionProperties(layerName, &count, p) < Result.Success)
                {
                    return false;
                }
            }

            for (int i = 0; i < count; i++)
            {
                fixed (byte* n = exts[i].ExtensionName)
                {
                    if (SilkMarshal.PtrToString((nint)n) == extension)
                    {
                        return true;
                    }
                }
            }

            return false;
        }
        finally
        {
            if (layerName is not null)
            {
                SilkMarshal.Free((nint)layerName);
            }
        }
    }

    /// <summary>Destroys the messenger and the instance (every device must be gone).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_messenger.Handle != 0)
        {
            var destroy = (delegate* unmanaged[Cdecl]<Instance, DebugUtilsMessengerEXT, AllocationCallbacks*, void>)
                (void*)Api.GetInstanceProcAddr(Handle, "vkDestroyDebugUtilsMessengerEXT").Handle;
            if (destroy is not null)
            {
                destroy(Handle, _messenger, null);
            }
        }
        Api.DestroyInstance(Handle, null);
        if (_logHandle.IsAllocated)
        {
            _logHandle.Free();
        }

        Api.Dispose();
    }
}
