using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Silk.NET.Core;
using Silk.NET.Vulkan;

namespace Driver.Engines.Vulkan;

/// <summary>
/// What the validation layer reported through the debug-utils messenger: error and warning counts and the last few
/// messages. The callback runs on whatever thread made the Vulkan call, so everything here is lock-free or under a
/// leaf lock, and it never throws back into the driver.
/// </summary>
public sealed class VulkanValidationLog
{
    /// <summary>Messages kept (the oldest are dropped).</summary>
    public const int Capacity = 64;

    /// <summary>
    /// Guards <see cref="_messages"/> between the debug-messenger callback (any thread, the driver's included) and
    /// readers; a validated leaf lock: nothing else is taken while it is held.
    /// </summary>
    private readonly Driver.Core.Locking.DriverSpinLock _lock = new("vulkan->validation_log");
    private readonly Queue<string> _messages = new();
    private int _errors;
    private int _warnings;

    /// <summary>Validation errors reported (severity ERROR).</summary>
    public int Errors => Volatile.Read(ref _errors);

    /// <summary>Warnings reported (severity WARNING, validation or performance).</summary>
    public int Warnings => Volatile.Read(ref _warnings);

    /// <summary>The last <see cref="Capacity"/> error and warning messages, oldest first.</summary>
    public IReadOnlyList<string> Messages { get { using (_lock.Acquire()) { return _messages.ToArray(); } } }

    /// <summary>Records one message (also used by tests).</summary>
    internal void Record(bool error, string text)
    {
        if (error)
        {
            Interlocked.Increment(ref _errors);
        }
        else
        {
            Interlocked.Increment(ref _warnings);
        }

        using (_lock.Acquire())
        {
            _messages.Enqueue((error ? "error: " : "warning: ") + text);
            while (_messages.Count > Capacity)
            {
                _messages.Dequeue();
            }
        }
    }

    /// <summary>Fills a messenger create-info whose callback records into this log (user data: a GC handle to it).</summary>
    internal unsafe DebugUtilsMessengerCreateInfoEXT CreateInfo(GCHandle self) => new()
    {
        SType = StructureType.DebugUtilsMessengerCreateInfoExt,
        MessageSeverity = DebugUtilsMessageSeverityFlagsEXT.WarningBitExt | DebugUtilsMessageSeverityFlagsEXT.ErrorBitExt,
        MessageType = DebugUtilsMessageTypeFlagsEXT.GeneralBitExt | DebugUtilsMessageTypeFlagsEXT.ValidationBitExt
            | DebugUtilsMessageTypeFlagsEXT.PerformanceBitExt,
        PfnUserCallback = new PfnDebugUtilsMessengerCallbackEXT(&Callback),
        PUserData = (void*)GCHandle.ToIntPtr(self),
    };

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe Bool32 Callback(DebugUtilsMessageSeverityFlagsEXT severity, DebugUtilsMessageTypeFlagsEXT types,
        DebugUtilsMessengerCallbackDataEXT* data, void* userData)
    {
        try
        {
            if (GCHandle.FromIntPtr((IntPtr)userData).Target is VulkanValidationLog log)
            {
                string text = data is null ? "(no message)" : Marshal.PtrToStringUTF8((IntPtr)data->PMessage) ?? "(no message)";
                log.Record((severity & DebugUtilsMessageSeverityFlagsEXT.ErrorBitExt) != 0, text);
            }
        }
        catch
        {
            // Never unwind into the Vulkan loader: a lost message is better than a crashed process.
        }
        // VK_FALSE: the call that triggered the message proceeds (the spec requires applications to return false).
        return new Bool32(false);
    }
}
