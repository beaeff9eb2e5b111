using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Memory;
using Driver.Engines.Isa;

namespace Driver.Uapi;

/// <summary>
/// A batch that spins on an engine until ended, like IGT's igt_spin. Layout of its 4 KiB object:
/// <code>
/// 0x000  STORE_DWORD_IMM  poll, 1        ; "started"
/// 0x00C  loop: NOOP                      ; End() writes BATCH_BUFFER_END here
/// 0x010  ARB_CHECK                       ; NOOP with NoPreemption
/// 0x014  NOOP                            ; an invalid instruction with InvalidCs
/// 0x018  COND_BATCH_BUFFER_END condition == 0 ; continues while 0: ends once the condition is set
/// 0x024  BATCH_BUFFER_START loop
/// 0xF00  poll dword, 0xF04 condition dword
/// </code>
/// </summary>
public sealed class Spinner : IDisposable
{
    /// <summary>Offset of the loop's first dword (overwritten by BATCH_BUFFER_END to end the spinner).</summary>
    public const int LoopOffset = 0x00C;
    /// <summary>Offset of the poll dword the spinner sets to 1 when it starts.</summary>
    public const int PollOffset = 0xF00;
    /// <summary>Offset of the condition dword the conditional batch end checks.</summary>
    public const int ConditionOffset = 0xF04;
    /// <summary>The dword stored as an invalid instruction (bits 31:29 name no MI client).</summary>
    public const uint InvalidInstruction = 0xDEADBEEF;

    private readonly GpuDevice _device;
    private readonly int _client;
    private readonly BufferMapping _map;
    private Timer? _timer;

    private Spinner(GpuDevice device, int client, int handle, uint address, BufferMapping map, DmaFence fence, bool fenceOut)
    {
        _device = device;
        _client = client;
        Handle = handle;
        Address = address;
        _map = map;
        Fence = fence;
        OutFence = fenceOut ? fence : null;
    }

    /// <summary>The batch object's handle.</summary>
    public int Handle { get; }
    /// <summary>GGTT address of the batch.</summary>
    public uint Address { get; }
    /// <summary>The spinner's request fence.</summary>
    public DmaFence Fence { get; }
    /// <summary>The exported out-fence (FenceOut), else null.</summary>
    public DmaFence? OutFence { get; }

    /// <summary>Whether the spinner has begun executing (its poll dword is set).</summary>
    public bool IsStarted => _map[PollOffset / 4] != 0;

    /// <summary>Builds and submits a spinner. Returns 0 or the execbuf's negative errno.</summary>
    public static int Create(GpuDevice device, int client, SpinnerOptions options, out Spinner? spinner)
    {
        spinner = null;
        int err = device.CreateBuffer(client, DeviceMemory.PageSize, out int handle);
        if (err != 0)
        {
            return err;
        }

        BufferMapping? map = null;
        err = device.Bind(client, handle, out uint address);
        if (err == 0)
        {
            err = device.Map(client, handle, out map);
        }

        if (err != 0) { device.CloseBuffer(client, handle); return err; }
        BatchBuilder b = new BatchBuilder()
            .StoreDword(address + PollOffset, 1)
            .Noop()
            .Emit(options.NoPreemption ? Mi.Noop : Mi.ArbCheck)
            .Emit(options.InvalidCs ? InvalidInstruction : Mi.Noop)
            .ConditionalEnd(address + ConditionOffset, CompareOp.Equal, 0)
            .Jump(address + LoopOffset);
        device.Write(client, handle, 0, b.ToArray());
        err = device.Execbuf(new ExecbufArgs
        {
            Client = client,
            Context = options.Context,
            Engine = (int)options.Engine,
            BatchHandle = handle,
            InFences = options.InFences,
            Objects = options.Objects,
        }, out DmaFence? fence);
        if (err != 0) { device.CloseBuffer(client, handle); return err; }
        spinner = new Spinner(device, client, handle, address, map!, fence!, options.FenceOut);
        return 0;
    }

    /// <summary>Builds and submits a spinner, throwing <see cref="DriverException"/> on failure (test convenience).</summary>
    public static Spinner Start(GpuDevice device, int client, SpinnerOptions? options = null)
    {
        int err = Create(device, client, options ?? new SpinnerOptions(), out Spinner? s);
        return err == 0 ? s! : throw new DriverException(-err, $"spinner submission failed: {Errno.Name(err)}");
    }

    /// <summary>Waits (bounded) for the spinner to start; false on timeout.</summary>
    public bool WaitStarted(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        var spin = new SpinWait();
        while (!IsStarted)
        {
            if (Fence.IsSignaled || sw.Elapsed > timeout)
            {
                return IsStarted;
            }

            spin.SpinOnce();
        }
        return true;
    }

    /// <summary>Ends the spinner (igt_spin_end): BATCH_BUFFER_END into the loop and the condition set.</summary>
    public void End()
    {
        // Not the throwing indexer: a SetTimeout timer may fire after Dispose released the object (Timer.Dispose
        // does not wait for a callback already running), and the mapping then answers -EFAULT: nothing left to end.
        _ = _map.Write(ConditionOffset, 1);
        _ = _map.Write(LoopOffset, Mi.BatchBufferEnd);
    }

    /// <summary>Ends the spinner after <paramref name="after"/> (igt_spin_set_timeout).</summary>
    public void SetTimeout(TimeSpan after) => _timer = new Timer(_ => End(), null, after, Timeout.InfiniteTimeSpan);

    /// <summary>Ends the spinner and releases its object.</summary>
    public void Dispose()
    {
        _timer?.Dispose();
        End();
        _device.CloseBuffer(_client, Handle);
    }
}
