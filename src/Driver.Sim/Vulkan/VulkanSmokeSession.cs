using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Vulkan;
using Driver.Uapi;

namespace Driver.Sim.Vulkan;

/// <summary>
/// The device under test for one smoke run: a simulated GPU whose rcs0 and bcs0 run on the Vulkan backend, one
/// client, and the uAPI helpers the steps use. Every wait is bounded; a failed check throws
/// <see cref="SmokeCheckException"/>.
/// </summary>
internal sealed partial class VulkanSmokeSession : IDisposable
{
    private readonly VulkanSmokeOptions _options;

    public VulkanSmokeSession(VulkanDevice device, VulkanSmokeOptions options)
    {
        _options = options;
        Vulkan = device;
        Device = new GpuDevice(DeviceConfig.Fast());
        var engineOptions = new VulkanEngineOptions { RequestTimeout = options.HangTimeout };
        Rcs = Device.AttachVulkan(EngineId.Rcs0, device, engineOptions);
        Bcs = Device.AttachVulkan(EngineId.Bcs0, device, engineOptions);
        Device.OpenClient(out int client, name: "vulkan-smoke");
        Client = client;
    }

    public VulkanDevice Vulkan { get; }
    public GpuDevice Device { get; }
    public VulkanEngine Rcs { get; }
    public VulkanEngine Bcs { get; }
    public int Client { get; }

    /// <summary>Waits until both engines are set up on the device (kernels compiled, calibrated).</summary>
    public void WaitReady()
    {
        Check(Rcs.WaitReady(_options.StepBound) && Bcs.WaitReady(_options.StepBound), "Vulkan engines did not set up in time");
        Check(!Rcs.IsWedged && !Bcs.IsWedged, "Vulkan engines could not set up on the device (wedged)");
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new SmokeCheckException(message);
        }
    }

    private static void Ok(int err, string what) => Check(err == 0, $"{what} failed: {Errno.Name(err)}");

    /// <summary>A new bound 4 KiB object: its handle and GGTT address.</summary>
    private (int Handle, uint Address) Object()
    {
        Ok(Device.CreateBuffer(Client, 4096, out int handle), "CreateBuffer");
        Ok(Device.Bind(Client, handle, out uint address), "Bind");
        return (handle, address);
    }

    /// <summary>A new object holding <paramref name="dwords"/>.</summary>
    private int Batch(uint[] dwords)
    {
        Ok(Device.CreateBuffer(Client, 4096, out int handle), "CreateBuffer");
        Ok(Device.Write(Client, handle, 0, dwords), "Write");
        return handle;
    }

    private DmaFence Exec(EngineId engine, int batch, int context = 0, int[]? objects = null, DmaFence[]? inFences = null)
    {
        Ok(Device.Execbuf(new ExecbufArgs
        {
            Client = Client,
            Context = context,
            Engine = (int)engine,
            BatchHandle = batch,
            Objects = objects ?? [],
            InFences = inFences ?? [],
        }, out DmaFence? fence), "Execbuf");
        return fence!;
    }

    private void Wait(DmaFence fence, string what) =>
        Check(fence.Wait(_options.StepBound), $"{what} did not complete within {_options.StepBound.TotalSeconds:0} s");

    private static void Status(DmaFence fence, int expected, string what) =>
        Check(fence.Status == expected, $"{what}: fence status {Describe(fence.Status)}, expected {Describe(expected)}");

    private static string Describe(int status) => status switch { 1 => "1 (ok)", 0 => "0 (pending)", _ => $"-{Errno.Name(status)}" };

    private uint Read(int handle, long offset)
    {
        Span<uint> one = stackalloc uint[1];
        Ok(Device.Read(Client, handle, offset, one), "Read");
        return one[0];
    }

    private int NewContext()
    {
        Ok(Device.CreateContext(Client, out int ctx), "CreateContext");
        return ctx;
    }

    private static double Ms(long from, long to) => (to - from) * 1000.0 / System.Diagnostics.Stopwatch.Frequency;

    /// <summary>Disposes the simulated device (and with it the Vulkan engines); the caller disposes the Vulkan device.</summary>
    public void Dispose() => Device.Dispose();
}
