using System.Diagnostics;
using System.Runtime.CompilerServices;
using Driver.Core.Memory;
using Driver.Core.Requests;
using Driver.Engines.Isa;

namespace Driver.Engines.Execution;

/// <summary>
/// Decodes and executes batch dwords fetched through the GGTT, on its engine's thread. Safe points (where the engine
/// may park for a reset or a stop-the-world) are taken every <see cref="SafePointInterval"/> instructions, at every
/// jump, arbitration point, semaphore poll and work slice, so even a batch that jumps to itself can be stopped.
/// Arbitration points — MI_ARB_CHECK, a semaphore poll, a slice of MI_WORK — are where the engine may be taken
/// for another request (<see cref="ExecStatus.Preempted"/>); a backward jump is a safe point but not an
/// arbitration point, so a loop without MI_ARB_CHECK cannot be preempted.
/// </summary>
public sealed partial class CommandStreamer
{
    /// <summary>Instructions between safe points in straight-line code.</summary>
    public const int SafePointInterval = 256;

    private readonly Ggtt _ggtt;
    private readonly ExeclistsEngine _engine;
    private readonly uint _mmioBase;

    /// <summary>Creates the command streamer of <paramref name="engine"/>.</summary>
    public CommandStreamer(Ggtt ggtt, ExeclistsEngine engine)
    {
        _ggtt = ggtt;
        _engine = engine;
        _mmioBase = EngineMmio.MmioBase(engine.Id);
    }

    /// <summary>Instruction pointer (the kernel's ACTHD): updated at safe points and faults, read by error capture.</summary>
    public uint Head => Volatile.Read(ref _head);
    private uint _head;

    /// <summary>The last fault, valid after <see cref="ExecStatus.Faulted"/>.</summary>
    public EngineFault? LastFault { get; private set; }

    /// <summary>Instructions executed since the engine started (statistics).</summary>
    public long Instructions => _instructions;
    private long _instructions;

    /// <summary>Runs <paramref name="rq"/>'s batch from its resume point until it ends, faults or is aborted by a reset.</summary>
    public ExecStatus Run(Request rq)
    {
        uint ip = rq.HasResumeAddress ? rq.ResumeAddress : rq.BatchAddress;
        // A batch preempted inside an MI_WORK resumes at that instruction with what was left of it.
        uint resumeWorkNs = rq.ResumeWorkNs;
        rq.ResumeAddress = 0;
        rq.HasResumeAddress = false;
        rq.ResumeWorkNs = 0;
        int sinceSafePoint = 0;
        long spins = 0;
        while (true)
        {
            if (++sinceSafePoint >= SafePointInterval)
            {
                sinceSafePoint = 0;
                if (SafePoint(ip))
                {
                    return ExecStatus.Aborted;
                }
            }
            if (!_ggtt.TryRead(ip, out uint cmd))
            {
                return Fault(FaultKind.PageFault, rq, ip, 0, "instruction fetch from an unmapped address");
            }

            _instructions++;
            uint opcode = Mi.Opcode(cmd);
            switch (opcode)
            {
                case MiOpcode.Noop:
                    ip += 4;
                    break;

                case MiOpcode.BatchBufferEnd:
                    if (cmd != Mi.BatchBufferEnd)
                    {
                        return Fault(FaultKind.InvalidInstruction, rq, ip, cmd, "BATCH_BUFFER_END with stray bits");
                    }

                    return ExecStatus.Completed;

                case MiOpcode.ArbCheck:
                    if (cmd != Mi.ArbCheck)
                    {
                        return Fault(FaultKind.InvalidInstruction, rq, ip, cmd, "ARB_CHECK with stray bits");
                    }

                    if (SafePoint(ip))
                    {
                        return ExecStatus.Aborted;
                    }

                    if (Banned(rq))
                    {
                        return ExecStatus.Completed;
                    }

                    if (_engine.ArbitrationPoint())
                    {
                        return Preempted(rq, ip + 4, 0);
                    }

                    ip += 4;
                    break;

                case MiOpcode.StoreDwordImm:
                    {
                        if (!Decode(rq, ip, cmd, out MiForm form, out uint address, out uint value, out ExecStatus status))
                        {
                            return status;
                        }

                        // A qword's high dword is read before either store, so an unmapped operand stores nothing.
                        uint high = 0;
                        if (form.Qword && !_ggtt.TryRead(ip + (uint)(form.DataAt + 1) * 4, out high))
                        {
                            return Fault(FaultKind.PageFault, rq, ip, cmd, "instruction operands unmapped");
                        }

                        if (!_ggtt.TryWrite(address, value) || (form.Qword && !_ggtt.TryWrite(address + 4, high)))
                        {
                            return Fault(FaultKind.PageFault, rq, ip, cmd, $"store to unmapped 0x{address:x8}");
                        }

                        ip += form.Dwords * 4;
                        break;
                    }

                case MiOpcode.SemaphoreWait:
                    {
                        if (!Decode(rq, ip, cmd, out MiForm form, out uint address, out uint data, out ExecStatus status))
                        {
                            return status;
                        }

                        CompareOp op = Mi.Compare(cmd);

                        spins = 0;
                        while (true)
                        {
                            if (!_ggtt.TryRead(address, out uint value))
                            {
                                return Fault(FaultKind.PageFault, rq, ip, cmd, $"semaphore poll of unmapped 0x{address:x8}");
                            }

                            if (Mi.Evaluate(op, value, data))
                            {
                                _engine.SemaphorePassed();
                                break;
                            }
                            // A waiting semaphore is an arbitration point on hardware: preemption and resets get in here.
                            if (SafePoint(ip))
                            {
                                return ExecStatus.Aborted;
                            }

                            if (Banned(rq))
                            {
                                return ExecStatus.Completed;
                            }

                            // An unsatisfied semaphore yields the timeslice (the semaphore-wait interrupt), unless the
                            // batch yielded before and no semaphore was passed on this engine since (Request.SemaphoreYieldMark).
                            bool yield = rq.SemaphoreYieldMark != _engine.SemaphorePasses;
                            if (_engine.ArbitrationPoint(semaphoreYield: yield))
                            {
                                rq.SemaphoreYieldMark = _engine.SemaphorePasses;
                                // Resumes by polling again.
                                return Preempted(rq, ip, 0);
                            }

                            if (_engine.Backoff(ref spins))
                            {
                                return ExecStatus.Aborted;
                            }
                        }
                        ip += form.Dwords * 4;
                        break;
                    }

                case MiOpcode.ConditionalBatchBufferEnd:
                    {
                        if (!Decode(rq, ip, cmd, out MiForm form, out uint address, out uint data, out ExecStatus status))
                        {
                            return status;
                        }

                        if (!_ggtt.TryRead(address, out uint value))
                        {
                            return Fault(FaultKind.PageFault, rq, ip, cmd, $"conditional end reads unmapped 0x{address:x8}");
                        }

                        // The hardware meaning (both forms): the comparison says "continue"; the batch ends when it
                        // fails. IGT's gen8+ spinner compares GT against BATCH_BUFFER_END and is ended by writing
                        // BATCH_BUFFER_END into its condition dword.
                        if (!Mi.Evaluate(Mi.Compare(cmd), value, data))
                        {
                            return ExecStatus.Completed;
                        }

                        ip += form.Dwords * 4;
                        break;
                    }

                case MiOpcode.BatchBufferStart:
                    {
                        // Predication is a bit of the gen8+ form (3 dwords, length 1); on GpuSim's own 2-dword form bit
                        // 15 stays a stray bit, which the decode below refuses.
                        if ((cmd & Mi.BatchPredicate) != 0 && (cmd & 0xff) == 1)
                        {
                            // Predicated (gen12 PRM): the jump is ignored unless MI_PREDICATE_RESULT_1 bit 0 is set.
                            cmd &= ~Mi.BatchPredicate;
                            if (!PredicateSet(rq))
                            {
                                var skipped = MiForm.Decode(cmd);
                                if (skipped.Error is { } error)
                                {
                                    return Fault(FaultKind.InvalidInstruction, rq, ip, cmd, error);
                                }

                                ip += skipped.Dwords * 4;
                                break;
                            }
                        }

                        if (!Decode(rq, ip, cmd, out _, out uint target, out _, out ExecStatus status))
                        {
                            return status;
                        }

                        if (target <= ip)
                        {
                            // A backward jump is a loop (a spinner): give the CPU back now and then, and take a safe point.
                            sinceSafePoint = 0;
                            if (SafePoint(ip))
                            {
                                return ExecStatus.Aborted;
                            }

                            if (_engine.Backoff(ref spins))
                            {
                                return ExecStatus.Aborted;
                            }
                        }
                        ip = target;
                        break;
                    }

                case MiOpcode.Work:
                    {
                        if (!Decode(rq, ip, cmd, out _, out _, out uint ns, out ExecStatus status))
                        {
                            return status;
                        }

                        if (resumeWorkNs != 0)
                        {
                            ns = resumeWorkNs;
                            resumeWorkNs = 0;
                        }

                        uint left = DoWork(ip, ns, out bool aborted);
                        if (aborted)
                        {
                            return ExecStatus.Aborted;
                        }

                        if (left != 0)
                        {
                            return Preempted(rq, ip, left);
                        }

                        ip += 8;
                        break;
                    }

                case MiOpcode.LoadRegisterImm:
                    {
                        if (!LoadRegisterImm(rq, ip, cmd, out uint dwords))
                        {
                            return ExecStatus.Faulted;
                        }

                        ip += dwords * 4;
                        break;
                    }

                case MiOpcode.LoadRegisterReg:
                    if (!LoadRegisterReg(rq, ip, cmd))
                    {
                        return ExecStatus.Faulted;
                    }

                    ip += 12;
                    break;

                case MiOpcode.LoadRegisterMem:
                case MiOpcode.StoreRegisterMem:
                    if (!RegisterMem(rq, ip, cmd, load: opcode == MiOpcode.LoadRegisterMem))
                    {
                        return ExecStatus.Faulted;
                    }

                    ip += 16;
                    break;

                case MiOpcode.Math:
                    {
                        if (!AluMath(rq, ip, cmd, out uint dwords))
                        {
                            return ExecStatus.Faulted;
                        }

                        ip += dwords * 4;
                        break;
                    }

                default:
                    return Fault(FaultKind.InvalidInstruction, rq, ip, cmd, $"unknown opcode 0x{opcode:x}");
            }
        }
    }

    /// <summary>
    /// Decodes the header <paramref name="cmd"/> (<see cref="MiForm"/>) and fetches its address and data operands.
    /// False, with the fault taken, for an invalid header (invalid instruction), an unmapped operand or a 64-bit
    /// address above the 4 GiB GGTT (page faults: nothing maps there, as nothing maps an unbound GGTT address).
    /// </summary>
    private bool Decode(Request rq, uint ip, uint cmd, out MiForm form, out uint address, out uint data, out ExecStatus status)
    {
        form = MiForm.Decode(cmd);
        address = data = 0;
        status = ExecStatus.Faulted;
        if (form.Error is { } error)
        {
            Fault(FaultKind.InvalidInstruction, rq, ip, cmd, error);
            return false;
        }

        uint high = 0;
        if ((form.AddressAt != 0 && !_ggtt.TryRead(ip + (uint)form.AddressAt * 4, out address))
            || (form.Wide && !_ggtt.TryRead(ip + (uint)form.AddressAt * 4 + 4, out high))
            || (form.DataAt != 0 && !_ggtt.TryRead(ip + (uint)form.DataAt * 4, out data)))
        {
            Fault(FaultKind.PageFault, rq, ip, cmd, "instruction operands unmapped");
            return false;
        }

        if (high != 0)
        {
            Fault(FaultKind.PageFault, rq, ip, cmd, $"address 0x{high:x8}{address:x8} is beyond the 4 GiB GGTT");
            return false;
        }

        return true;
    }

    /// <summary>
    /// Busy for <paramref name="ns"/> nanoseconds with a safe point and an arbitration point every slice. Returns 0
    /// when done (or <paramref name="aborted"/> by a reset), else the nanoseconds left when it was preempted.
    /// </summary>
    private uint DoWork(uint ip, uint ns, out bool aborted)
    {
        aborted = false;
        long end = Stopwatch.GetTimestamp() + (long)(ns * (double)Stopwatch.Frequency / 1e9);
        while (true)
        {
            long remaining = end - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                return 0;
            }

            if (SafePoint(ip))
            {
                aborted = true;
                return 0;
            }

            if (_engine.ArbitrationPoint())
            {
                return (uint)Math.Max(1, remaining * 1_000_000_000 / Stopwatch.Frequency);
            }

            long remainingUs = remaining * 1_000_000 / Stopwatch.Frequency;
            if (remainingUs > 2000)
            {
                if (_engine.Doze(TimeSpan.FromMilliseconds(1)))
                {
                    aborted = true;
                    return 0;
                }
            }
            else if (remainingUs > 100)
            {
                Thread.Yield();
            }
            else
            {
                Thread.SpinWait(20);
            }
        }
    }

    /// <summary>
    /// Taken off the engine at an arbitration point: where to resume (the context image's RING_HEAD), and what is
    /// left of an MI_WORK it was inside.
    /// </summary>
    private static ExecStatus Preempted(Request rq, uint resumeAt, uint workNsLeft)
    {
        rq.ResumeAddress = resumeAt;
        rq.HasResumeAddress = true;
        rq.ResumeWorkNs = workNsLeft;
        return ExecStatus.Preempted;
    }

    /// <summary>
    /// At an arbitration point a banned context loses the engine for good (i915 preempts it and never resubmits it):
    /// the request ends here with -EIO.
    /// </summary>
    private static bool Banned(Request rq)
    {
        if (!rq.Context.IsBannedOn(rq.Engine))
        {
            return false;
        }

        rq.SetErrorOnce(-Core.Errors.Errno.EIO);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool SafePoint(uint ip)
    {
        Volatile.Write(ref _head, ip);
        return _engine.SafePoint();
    }

    private ExecStatus Fault(FaultKind kind, Request rq, uint ip, uint dword, string detail)
    {
        Volatile.Write(ref _head, ip);
        LastFault = new EngineFault(kind, rq, ip, dword, detail);
        return ExecStatus.Faulted;
    }
}
