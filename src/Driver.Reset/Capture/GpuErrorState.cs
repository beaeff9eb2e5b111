using System.Globalization;
using System.Text;

namespace Driver.Reset.Capture;

/// <summary>
/// A captured error state (i915_gpu_coredump, read from /sys/class/drm/card0/error): when and why, the guilty
/// context, and per hung engine its registers, active context and batch. <see cref="ToText()"/> prints it as
/// i915_gpu_error.c does, so that IGT's intel_error_decode reads it.
/// </summary>
public sealed record GpuErrorState(int Id, DateTime Time, string Reason, uint EngineMask, string? GuiltyContext,
    IReadOnlyList<EngineErrorState> Engines)
{
    /// <summary>The jiffies rate the Epoch and Capture lines count in (HZ).</summary>
    public const int Hz = 1000;

    /// <summary>What sysfs returns when no error state is held (error_state_read).</summary>
    public const string NoErrorState = "No error state collected\n";

    /// <summary>Time since the machine booted, at capture (ktime_get_boottime).</summary>
    public TimeSpan Boottime { get; init; }

    /// <summary>Time since the GT was initialised, at capture.</summary>
    public TimeSpan Uptime { get; init; }

    /// <summary>Jiffies (milliseconds since boot) at capture.</summary>
    public long CaptureJiffies { get; init; }

    /// <summary>Jiffies when the oldest captured request was created (the capture itself when none was).</summary>
    public long EpochJiffies { get; init; }

    /// <summary>Full resets before the capture (i915_reset_count).</summary>
    public int ResetCount { get; init; }

    /// <summary>
    /// Whether a captured engine ran a NO_ERROR_CAPTURE request (i915_gpu_coredump.simulated): such a state is built
    /// and logged but never held in the error file (i915_error_state_store).
    /// </summary>
    public bool Simulated { get; init; }

    /// <summary>The module parameters at capture, printed last as "i915.NAME=VALUE" lines (err_print_params).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ModuleParams { get; init; } = [];

    /// <summary>The "Kernel:" line's release and machine.</summary>
    public string Kernel { get; init; } = "gpusim";

    /// <summary>
    /// The first line (i915's error_msg): "GPU HANG: ecode GEN:CLASSES:CODE", the hung engines' uabi classes as a bit
    /// mask, the code IPEHR ^ INSTDONE of the first hung engine (generate_ecode), then the first hung context's
    /// process and GpuSim's reason.
    /// </summary>
    public string ErrorMessage
    {
        get
        {
            uint classes = 0;
            EngineErrorState? first = null;
            foreach (EngineErrorState e in Engines)
            {
                if (e.Hung)
                {
                    classes |= 1u << (int)e.Class;
                    first ??= e;
                }
            }
            uint code = first is null ? 0 : first.Ipehr ^ first.Instdone;
            var sb = new StringBuilder();
            sb.Append(CultureInfo.InvariantCulture, $"GPU HANG: ecode {GpuIdentity.GraphicsVersion}:{classes:x}:{code:x8}");
            if (first?.Context is { } ctx && ctx.Pid != 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $", in {ctx.Comm} [{ctx.Pid}]");
            }

            sb.Append(", ").Append(Reason);
            return sb.ToString();
        }
    }

    /// <summary>The text of the sysfs error file, with "ms ago" counted to now.</summary>
    public string ToText() => ToText(Environment.TickCount64);

    /// <summary>The text of the sysfs error file, with "ms ago" counted to <paramref name="nowJiffies"/>.</summary>
    public string ToText(long nowJiffies)
    {
        var w = new ErrorStateWriter();
        w.Line($"{ErrorMessage}");
        w.Line($"Kernel: {Kernel}");
        long unixUs = (Time - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;
        w.Line($"Time: {unixUs / 1_000_000} s {unixUs % 1_000_000} us");
        w.Line($"Boottime: {Seconds(Boottime)}");
        w.Line($"Uptime: {Seconds(Uptime)}");
        w.Line($"Epoch: {EpochJiffies} jiffies ({Hz} HZ)");
        w.Line($"Capture: {CaptureJiffies} jiffies; {nowJiffies - CaptureJiffies} ms ago, {CaptureJiffies - EpochJiffies} ms after epoch");
        foreach (EngineErrorState e in Engines)
        {
            if (e.Context is { } c)
            {
                w.Line($"Active process (on ring {e.Engine}): {c.Comm} [{c.Pid}]");
            }
        }
        w.Line($"Reset count: {ResetCount}");
        w.Line($"Suspend count: 0");
        w.Line($"Platform: {GpuIdentity.Platform}");
        w.Line($"Subplatform: 0x0");
        w.Line($"PCI ID: 0x{GpuIdentity.PciId:x4}");
        w.Line($"PCI Revision: 0x{GpuIdentity.PciRevision:x2}");
        w.Line($"PCI Subsystem: 0000:0000");
        w.Line($"IOMMU enabled?: 0");
        w.Line($"RPM wakelock: yes");
        w.Line($"PM suspended: no");
        w.Line($"GT awake: yes");
        uint eir = 0;
        foreach (EngineErrorState e in Engines)
        {
            eir |= e.Esr;
        }

        w.Line($"EIR: 0x{eir:x8}");
        w.Line($"PGTBL_ER: 0x00000000");
        foreach (EngineErrorState e in Engines)
        {
            PrintEngine(w, e);
        }

        // __err_print_to_sgl ends with the capabilities and the parameters, so an object line is never the file's
        // last: readers that strip the final newline (IGT's igt_sysfs_get) or look for the next '-' after an object
        // line (gem_exec_capture's check_error_state) rely on text after it.
        PrintCapabilities(w);
        foreach (KeyValuePair<string, string> p in ModuleParams)
        {
            w.Line($"i915.{p.Key}={p.Value}");
        }

        return w.ToString();
    }

    private static string Seconds(TimeSpan t)
    {
        long us = t.Ticks / TimeSpan.TicksPerMicrosecond;
        return string.Create(CultureInfo.InvariantCulture, $"{us / 1_000_000} s {us % 1_000_000} us");
    }

    /// <summary>
    /// err_print_capabilities: intel_device_info_print's lines for the device GpuSim claims to be
    /// (<see cref="GpuIdentity"/>: a gen9 GT2 with system memory only, 4K/64K/2M pages, a full 4-level 48-bit ppGTT),
    /// then intel_driver_caps_print's (the scheduler bits GETPARAM HAS_SCHEDULER reports: enabled, priority,
    /// preemption, semaphores).
    /// </summary>
    private static void PrintCapabilities(ErrorStateWriter w)
    {
        w.Line($"graphics version: {GpuIdentity.GraphicsVersion}");
        w.Line($"media version: {GpuIdentity.GraphicsVersion}");
        w.Line($"gt: 2");
        w.Line($"memory-regions: 0x1");
        w.Line($"page-sizes: 0x211000");
        w.Line($"platform: {GpuIdentity.Platform}");
        w.Line($"ppgtt-size: 48");
        w.Line($"ppgtt-type: 2");
        w.Line($"dma_mask_size: 39");
        w.Line($"Has logical contexts? yes");
        w.Line($"scheduler: 0xf");
    }

    /// <summary>error_print_engine, then the per-engine lines and vmas of err_print_gt_engines.</summary>
    private static void PrintEngine(ErrorStateWriter w, EngineErrorState e)
    {
        uint headOffset = e.Active is null ? 0 : e.Head - e.Start;
        w.Line($"{e.Engine} command stream:");
        w.Line($"  START: 0x{e.Start:x8}");
        w.Line($"  HEAD:  0x{headOffset:x8} [0x00000000]");
        w.Line($"  TAIL:  0x00000000 [0x00000000, 0x00000000]");
        w.Line($"  CTL:   0x{e.Ctl:x8}");
        w.Line($"  MODE:  0x00000000");
        w.Line($"  HWS:   0x00000000");
        w.Line($"  ACTHD: 0x00000000 {e.Head:x8}");
        w.Line($"  IPEIR: 0x00000000");
        w.Line($"  IPEHR: 0x{e.Ipehr:x8}");
        w.Line($"  ESR:   0x{e.Esr:x8}");
        w.Line($"  INSTDONE: 0x{e.Instdone:x8}");
        if (e.HasBatch)
        {
            ulong end = e.BatchDumpAddress + (ulong)e.BatchDwords.Count * 4;
            w.Line($"  batch: [0x00000000_{e.BatchDumpAddress:x8}, 0x{end >> 32:x8}_{end & uint.MaxValue:x8}]");
        }

        w.Line($"  BBADDR: 0x00000000_{(e.Active is null ? 0 : e.Head):x8}");
        w.Line($"  BB_STATE: 0x00000000");
        w.Line($"  INSTPS: 0x00000000");
        w.Line($"  INSTPM: 0x00000000");
        w.Line($"  FADDR: 0x00000000 {(e.Active is null ? 0 : e.Head):x8}");
        w.Line($"  RC PSMI: 0x00000000");
        w.Line($"  FAULT_REG: 0x{e.FaultReg:x8}");
        if (e.Active is { } rq)
        {
            w.Line($"  ELSP[0]:  pid {rq.Pid}, seqno {rq.FenceContext,8:x}:{rq.Seqno:x8}, prio {rq.Priority}, head {headOffset:x8}, tail 00000000");
        }

        w.Line($"  hung: {(e.Hung ? 1 : 0)}");
        w.Line($"  engine reset count: {e.EngineResetCount}");
        if (e.Context is { } c)
        {
            w.Line($"  Active context: {c.Comm}[{c.Pid}] prio {c.Priority}, guilty {c.Guilty} active {c.Active}");
            w.Line($"  context timeline seqno {c.TimelineSeqno}");
        }

        if (e.HasBatch)
        {
            w.Line($"{e.Engine} --- batch = 0x00000000 {e.BatchDumpAddress:x8}");
            w.Line($"{ErrorObjectCodec.Encode(e.BatchDwords)}");
        }

        // intel_gpu_error_print_vma of each capture_user object: the address as two 32-bit halves, the contents as
        // one object line.
        foreach (CapturedObject o in e.UserObjects)
        {
            w.Line($"{e.Engine} --- user = 0x00000000 {o.Address:x8}");
            w.Line($"{ErrorObjectCodec.Encode(o.Dwords)}");
        }
    }

    /// <summary>Lines ending in '\n' whatever the platform, formatted with the invariant culture.</summary>
    private sealed class ErrorStateWriter
    {
        private readonly StringBuilder _sb = new();

        public void Line(FormattableString s) => _sb.Append(s.ToString(CultureInfo.InvariantCulture)).Append('\n');

        public override string ToString() => _sb.ToString();
    }
}
