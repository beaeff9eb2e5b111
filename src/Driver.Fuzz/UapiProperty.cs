using System.Collections.Concurrent;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Isa;

using Driver.Uapi;

namespace Driver.Fuzz;

/// <summary>
/// The uAPI fuzzer's property: the case's threads make their calls concurrently over shared clients on a fresh device
/// (invalid handles, flags, offsets and sizes; closes and destroys racing execbufs and waits; spinners, some hanging
/// or faulting, so resets happen); then every spinner is ended, every client closed, and
/// <see cref="FuzzChecks.AfterCase"/> runs. Also: no call throws, none returns a positive value (GpuDevice's
/// contract: 0 or a negative errno).
/// </summary>
public static class UapiProperty
{
    /// <summary>Positive timeouts are cut to this, so a wait on a spinner cannot stall a case.</summary>
    public const long MaxWaitNs = 2_000_000;

    /// <summary>Runs <paramref name="c"/>; throws <see cref="FuzzViolationException"/> listing every problem.</summary>
    public static void Run(UapiCase c)
    {
        var problems = new ConcurrentQueue<string>();
        var ledger = new FenceLedger();
        int lockdepBefore = FuzzChecks.LockdepReports;
        var all = new List<string>();
        using (var dev = new GpuDevice(BatchProperty.Config))
        {
            var world = new UapiWorld(dev, UapiGenerators.ClientSlots);
            Thread[] threads = c.Threads.Select((ops, t) => new Thread(() =>
            {
                foreach (UapiOp op in ops)
                {
                    try
                    {
                        int rc = Call(world, ledger, op);
                        if (rc > 0)
                        {
                            problems.Enqueue($"thread {t}: {op} returned {rc}");
                        }
                    }
                    catch (Exception e)
                    {
                        problems.Enqueue($"thread {t}: {op} threw {e.GetType().Name}: {e.Message}");
                    }
                }
            })
            { Name = $"uapi-fuzz-{t}", IsBackground = true }).ToArray();
            foreach (Thread th in threads)
            {
                th.Start();
            }

            foreach (Thread th in threads)
            {
                if (!th.Join(FuzzChecks.DrainBound))
                {
                    problems.Enqueue($"{th.Name} did not finish its calls within {FuzzChecks.DrainBound.TotalSeconds:0} s");
                }
            }

            foreach (Spinner spin in world.Spinners())
            {
                spin.End();
            }

            foreach (int client in world.Clients())
            {
                dev.CloseClient(client);
            }

            all.AddRange(problems);
            FuzzChecks.AfterCase(dev, ledger, lockdepBefore, all);
        }

        FuzzViolationException.ThrowIfAny(all);
    }

    /// <summary>
    /// A wait's timeout as the fuzzer passes it: 0 (a poll) as generated, anything else bounded by
    /// <see cref="MaxWaitNs"/>. A negative timeout means "forever" (i915_gem_wait_ioctl), and a preemptible spinner
    /// never ends by itself, so an unbounded wait would hang the case; the forever convention itself is covered by
    /// the GEM_WAIT ioctl tests. Bounded, it still crosses resets and closes racing on other threads.
    /// </summary>
    private static long Timeout(long ns) => ns == 0 ? 0 : ns < 0 ? MaxWaitNs : Math.Min(ns, MaxWaitNs);

    private static int Call(UapiWorld w, FenceLedger ledger, UapiOp op)
    {
        GpuDevice dev = w.Dev;
        int client = w.Client(op.Client);
        switch (op.Kind)
        {
            case UapiOpKind.CreateBuffer:
                {
                    int rc = dev.CreateBuffer(client, op.Arg, out int handle);
                    if (rc == 0)
                    {
                        w.AddHandle(op.Client, handle);
                    }

                    return rc;
                }
            case UapiOpKind.CloseBuffer:
                return dev.CloseBuffer(client, w.Handle(op.Client, op.Ref));
            case UapiOpKind.Bind:
                return dev.Bind(client, w.Handle(op.Client, op.Ref), out _, (uint)op.Arg);
            case UapiOpKind.Write:
                {
                    // PWRITE waits for every GPU user of the object, and one may be queued behind a preemptible
                    // spinner that never ends by itself: a signal (the token) interrupts it, -EINTR, as a user's
                    // Ctrl-C would.
                    using var signal = new CancellationTokenSource(TimeSpan.FromTicks(MaxWaitNs / 100));
                    return dev.Write(client, w.Handle(op.Client, op.Ref), op.Arg, Program(op.Arg2), signal.Token);
                }
            case UapiOpKind.Read:
                {
                    using var signal = new CancellationTokenSource(TimeSpan.FromTicks(MaxWaitNs / 100));
                    return dev.Read(client, w.Handle(op.Client, op.Ref), op.Arg, new uint[(int)((ulong)op.Arg2 % 9)], signal.Token);
                }
            case UapiOpKind.Execbuf:
                {
                    DmaFence? inFence = (op.Arg2 & 1) != 0 ? w.Fence(op.Ref) : null;
                    int rc = dev.Execbuf(new ExecbufArgs
                    {
                        Client = client,
                        Context = w.Context(op.Client, (int)((ulong)op.Arg2 >> 8 & 7)),
                        Engine = op.Engine,
                        BatchHandle = w.Handle(op.Client, op.Ref),
                        BatchOffset = op.Arg is >= 0 and < 8192 ? op.Arg & ~3 : op.Arg,
                        Objects = (op.Arg2 & 2) != 0 ? [w.Handle(op.Client, op.Ref + 1)] : [],
                        WriteObjects = (op.Arg2 & 4) != 0 ? [w.Handle(op.Client, op.Ref + 2)] : [],
                        InFences = inFence is null ? [] : [inFence],
                        Flags = (op.Arg2 & 0x10) != 0 ? (ExecFlags)(int)(op.Arg2 >> 4) : ExecFlags.None,
                    }, out DmaFence? fence);
                    if (rc == 0)
                    {
                        ledger.Watch(fence!, $"execbuf {op}");
                        w.AddFence(fence!);
                    }

                    return rc;
                }
            case UapiOpKind.Wait:
                return dev.Wait(client, w.Handle(op.Client, op.Ref), Timeout(op.Arg));
            case UapiOpKind.Busy:
                return dev.Busy(client, w.Handle(op.Client, op.Ref), out _);
            case UapiOpKind.CreateContext:
                {
                    int rc = dev.CreateContext(client, out int ctx);
                    if (rc == 0)
                    {
                        w.AddContext(op.Client, ctx);
                    }

                    return rc;
                }
            case UapiOpKind.DestroyContext:
                // Never the default context: CONTEXT_DESTROY of id 0 is refused, which is checked too.
                return dev.DestroyContext(client, w.Context(op.Client, op.Ref));
            case UapiOpKind.SetParam:
                return dev.SetContextParam(client, w.Context(op.Client, op.Ref), ParamOf(op), op.Arg);
            case UapiOpKind.GetParam:
                return dev.GetContextParam(client, w.Context(op.Client, op.Ref), ParamOf(op), out _);
            case UapiOpKind.ResetStats:
                return dev.GetResetStats(client, w.Context(op.Client, op.Ref), out _, (uint)(op.Arg & 3), (uint)(op.Arg2 & 1));
            case UapiOpKind.Spinner:
                {
                    var options = new SpinnerOptions
                    {
                        Context = w.Context(op.Client, op.Ref),
                        Engine = (EngineId)op.Engine,
                        NoPreemption = (op.Arg2 & 3) == 1,
                        InvalidCs = (op.Arg2 & 3) == 2,
                    };
                    int rc = Spinner.Create(dev, client, options, out Spinner? spin);
                    if (rc == 0)
                    {
                        ledger.Watch(spin!.Fence, $"spinner {op}");
                        w.AddSpinner(spin);
                        w.AddFence(spin.Fence);
                    }

                    return rc;
                }
            case UapiOpKind.EndSpinner:
                w.Spinner(op.Ref)?.End();
                return 0;
            case UapiOpKind.CloseClient:
                {
                    int rc = dev.CloseClient(client);
                    dev.OpenClient(out int opened, name: $"fuzz{op.Client}");
                    w.Reopen(op.Client, client, opened);
                    return rc;
                }
            case UapiOpKind.Throttle:
                return dev.Throttle(client);
            case UapiOpKind.WaitFence:
                return GpuDevice.WaitFence(w.Fence(op.Ref), Timeout(op.Arg));
            default:
                throw new ArgumentOutOfRangeException(nameof(op));
        }
    }

    /// <summary>
    /// The context parameter a SETPARAM / GETPARAM call names: the op's engine number picks one the driver has (0-4,
    /// most calls: the ban flag, priority, recoverable, persistence, or parameter 0, which i915 has not), or, for the
    /// rare out-of-range numbers, that number itself (unknown or unmodelled parameters: -EINVAL). Cast as is, the
    /// engine numbers 0-4 named no parameter the driver has, and CONTEXT_SETPARAM reached only its -EINVAL default.
    /// </summary>
    public static ContextParam ParamOf(UapiOp op) => op.Engine switch
    {
        0 => ContextParam.Bannable,
        1 => ContextParam.Priority,
        2 => ContextParam.Recoverable,
        3 => ContextParam.Persistence,
        4 => 0,
        _ => (ContextParam)op.Engine,
    };

    /// <summary>What a PWRITE writes: an end, NOOPs running off the object, a fault, or a store to an unmapped page.</summary>
    private static uint[] Program(long choice) => ((ulong)choice % 5) switch
    {
        0 => [Mi.BatchBufferEnd],
        1 => [Mi.Noop, Mi.Noop, Mi.Noop, Mi.Noop],
        2 => [0xDEADBEEF],
        3 => [.. Mi.StoreDword(0, 1), Mi.BatchBufferEnd],
        _ => [.. Mi.Work(50_000), Mi.ArbCheck, Mi.BatchBufferEnd],
    };
}
