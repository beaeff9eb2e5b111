using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Engines.Execution;
using Driver.Drm.I915.Layout;

namespace Driver.Drm.I915;

public sealed partial class I915Driver
{
    /// <summary>
    /// GETPARAM (i915_getparam_ioctl): the value, written as an int at the user's pointer (-EFAULT when it cannot
    /// be). The DRI1 params are -ENODEV, unknown ones -EINVAL. What GpuSim lacks it reports as i915 would on a part
    /// without it: no syncobjs, so no fence arrays or timeline fences; no submit fences; no command parser (0).
    /// </summary>
    private int GetParam(IoctlCall c)
    {
        int ret = GetParamValue(c.Arg.S32(QueryLayout.GetParamParam), out int value);
        if (ret != 0)
        {
            return ret;
        }

        Span<byte> bytes = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return c.Caller.TryWrite(c.Arg.U64(QueryLayout.GetParamValue), bytes) ? 0 : -Errno.EFAULT;
    }

    /// <summary>The value of an I915_PARAM_*, 0 or -ENODEV / -EINVAL as i915_getparam_ioctl answers.</summary>
    public int GetParamValue(int param, out int value)
    {
        value = 0;
        switch (param)
        {
            case I915Param.IrqActive:
            case I915Param.AllowBatchbuffer:
            case I915Param.LastDispatch:
            case I915Param.HasExecConstants:
                // "Reject all old ums/dri params."
                return -Errno.ENODEV;
            case I915Param.ChipsetId: value = Options.ChipsetId; return 0;
            case I915Param.Revision: value = Options.Revision; return 0;
            case I915Param.NumFencesAvail: value = Device.Config.FenceRegisters; return 0;
            case I915Param.HasOverlay: value = 0; return 0;
            case I915Param.HasBsd:
            case I915Param.HasBlt:
            case I915Param.HasVebox:
                value = 1; return 0;
            case I915Param.HasBsd2: value = 0; return 0;
            case I915Param.HasLlc: value = 1; return 0;
            case I915Param.HasWt: value = 0; return 0;
            // INTEL_PPGTT_FULL: every context has its own address space as far as userspace can tell (GpuSim's is
            // one shared 32-bit GGTT, sized by CONTEXT_GETPARAM GTT_SIZE; docs/uapi.md).
            case I915Param.HasAliasingPpgtt: value = 2; return 0;
            case I915Param.HasSemaphores: value = 0; return 0;
            case I915Param.HasSecureBatches: value = 0; return 0;
            // i915_cmd_parser_get_version: 0 when no engine uses the parser, as on gen12.
            case I915Param.CmdParserVersion: value = 0; return 0;
            case I915Param.SubsliceTotal: value = 6; return 0;
            case I915Param.EuTotal: value = 96; return 0;
            case I915Param.HasGpuReset: value = HasGpuReset(); return 0;
            case I915Param.HasResourceStreamer: value = 0; return 0;
            case I915Param.HasPooledEu: value = 0; return 0;
            case I915Param.MinEuInPool: value = 0; return 0;
            case I915Param.HucStatus: return -Errno.ENODEV;
            case I915Param.PxpStatus: return -Errno.ENODEV;
            case I915Param.MmapGttVersion: value = 4; return 0;
            // SEMAPHORES (intel_engines_driver_register's I915_ENGINE_HAS_SEMAPHORES): every engine's command streamer
            // polls MI_SEMAPHORE_WAIT in memory it shares with the others, at an arbitration point, so batches on two
            // engines (or, timesliced, on one) can wait for each other; and FENCE_SUBMIT starts a batch with its
            // partner.
            case I915Param.HasScheduler:
                value = I915Param.SchedulerCapEnabled | I915Param.SchedulerCapPriority | I915Param.SchedulerCapPreemption
                    | I915Param.SchedulerCapSemaphores;
                return 0;
            case I915Param.MmapVersion:
            case I915Param.HasGem:
            case I915Param.HasPageflipping:
            case I915Param.HasExecbuf2:
            case I915Param.HasRelaxedFencing:
            case I915Param.HasCoherentRings:
            case I915Param.HasRelaxedDelta:
            case I915Param.HasGen7SolReset:
            case I915Param.HasWaitTimeout:
            case I915Param.HasPrimeVmapFlush:
            case I915Param.HasPinnedBatches:
            case I915Param.HasExecNoReloc:
            case I915Param.HasExecHandleLut:
            case I915Param.HasCoherentPhysGtt:
            case I915Param.HasExecSoftpin:
            case I915Param.HasExecAsync:
            case I915Param.HasExecFence:
            case I915Param.HasExecCapture:
            case I915Param.HasExecBatchFirst:
            case I915Param.HasUserptrProbe:
            case I915Param.HasExecFenceArray:
            // Timeline syncobjs (DRM_I915_GEM_EXECBUFFER_EXT_TIMELINE_FENCES); I915_EXEC_FENCE_SUBMIT
            // (Request.AwaitExecution).
            case I915Param.HasExecTimelineFences:
            case I915Param.HasExecSubmitFence:
                value = 1; return 0;
            // intel_engines_has_context_isolation: a bit per uabi class whose engines isolate contexts.
            case I915Param.HasContextIsolation:
                value = Options.Engines.Aggregate(0, (m, e) => m | (1 << (int)e.Class())); return 0;
            case I915Param.SliceMask: value = 1; return 0;
            case I915Param.SubsliceMask: value = 0x3f; return 0;
            // RING_TIMESTAMP's rate: the command streamer counts it at this very constant.
            case I915Param.CsTimestampFrequency: value = (int)EngineMmio.CsTimestampFrequencyHz; return 0;
            case I915Param.MmapGttCoherent: value = 1; return 0;
            default: return -Errno.EINVAL;
        }
    }

    /// <summary>
    /// I915_PARAM_HAS_GPU_RESET: 0 without enable_hangcheck or without any reset (i915.reset=0), 1 for full device
    /// resets only, 2 when engines reset on their own.
    /// </summary>
    private int HasGpuReset()
    {
        if (!Device.EnableHangcheck || !Device.Reset.CanResetFull)
        {
            return 0;
        }

        return Device.Reset.CanResetEngine ? 2 : 1;
    }

    /// <summary>
    /// QUERY (i915_query_ioctl): -EINVAL for non-zero flags; per item, -EFAULT for an unreadable item, -EINVAL for
    /// query id 0; each item's result (its length, or a negative errno) written back to the item's length when it
    /// differs. ENGINE_INFO and MEMORY_REGIONS are answered; other ids are -EINVAL in the item.
    /// </summary>
    private int Query(IoctlCall c)
    {
        if (c.Arg.U32(QueryLayout.QueryFlags) != 0)
        {
            return -Errno.EINVAL;
        }

        ulong count = c.Arg.U32(QueryLayout.QueryNumItems);
        ulong items = c.Arg.U64(QueryLayout.QueryItems);
        Span<byte> bytes = stackalloc byte[4];
        for (ulong i = 0; i < count; i++)
        {
            ulong at = items + i * QueryLayout.ItemSize;
            var item = ArgBuffer.ReadUser(c.Caller, at, QueryLayout.ItemSize);
            if (item is null)
            {
                return -Errno.EFAULT;
            }

            ulong id = item.U64(QueryLayout.ItemId);
            if (id == 0)
            {
                return -Errno.EINVAL;
            }

            int ret = id switch
            {
                QueryLayout.QueryEngineInfo => QueryEngineInfo(c.Caller, item),
                QueryLayout.QueryMemoryRegions => QueryMemoryRegions(c.Caller, item),
                _ => -Errno.EINVAL,
            };
            if (ret != item.S32(QueryLayout.ItemLength))
            {
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes, ret);
                if (!c.Caller.TryWrite(at + QueryLayout.ItemLength, bytes))
                {
                    return -Errno.EFAULT;
                }
            }
        }

        return 0;
    }

    /// <summary>
    /// copy_query_item: length 0 asks for the size (returned); a shorter buffer is -EINVAL (compared unsigned, so a
    /// negative length passes); the header is read
    /// (-EFAULT) and must be zero (count and rsvd, -EINVAL).
    /// </summary>
    private static int CheckQueryItem(IDrmCaller caller, ArgBuffer item, int total)
    {
        int length = item.S32(QueryLayout.ItemLength);
        if (length == 0)
        {
            return total;
        }

        // The s32 length is compared as unsigned with the total: a negative one (an errno left in the item by an
        // earlier call) reads as huge and passes.
        if ((uint)length < (uint)total)
        {
            return -Errno.EINVAL;
        }

        var header = ArgBuffer.ReadUser(caller, item.U64(QueryLayout.ItemData), QueryLayout.ListHeader);
        if (header is null)
        {
            return -Errno.EFAULT;
        }

        return header.Data.Any(b => b != 0) ? -Errno.EINVAL : 0;
    }

    /// <summary>query_engine_info: -EINVAL for item flags; the uabi engines in class order, each with a logical instance.</summary>
    private int QueryEngineInfo(IDrmCaller caller, ArgBuffer item)
    {
        if (item.U32(QueryLayout.ItemFlags) != 0)
        {
            return -Errno.EINVAL;
        }

        IReadOnlyList<EngineId> engines = Options.Engines;
        int total = QueryLayout.ListHeader + engines.Count * QueryLayout.EngineInfoSize;
        int ret = CheckQueryItem(caller, item, total);
        if (ret != 0)
        {
            return ret;
        }

        var reply = new ArgBuffer(new byte[total]);
        reply.SetU32(0, (uint)engines.Count);
        int n = 0;
        foreach (EngineId e in engines.OrderBy(e => (int)e.Class()))
        {
            int at = QueryLayout.ListHeader + n++ * QueryLayout.EngineInfoSize;
            reply.SetU16(at, (ushort)e.Class());
            reply.SetU16(at + 2, 0);
            reply.SetU64(at + QueryLayout.EngineInfoFlags, QueryLayout.EngineInfoHasLogicalInstance);
            reply.SetU16(at + QueryLayout.EngineInfoLogicalInstance, 0);
        }

        return reply.WriteUser(caller, item.U64(QueryLayout.ItemData)) ? total : -Errno.EFAULT;
    }

    /// <summary>query_memregion_info: -EINVAL for item flags; one region, system memory, its size and what is free.</summary>
    private int QueryMemoryRegions(IDrmCaller caller, ArgBuffer item)
    {
        if (item.U32(QueryLayout.ItemFlags) != 0)
        {
            return -Errno.EINVAL;
        }

        int total = QueryLayout.ListHeader + QueryLayout.RegionInfoSize;
        int ret = CheckQueryItem(caller, item, total);
        if (ret != 0)
        {
            return ret;
        }

        var reply = new ArgBuffer(new byte[total]);
        reply.SetU32(0, 1);
        int at = QueryLayout.ListHeader;
        ulong size = (ulong)Device.Gt.Memory.TotalPages * Core.Memory.DeviceMemory.PageSize;
        ulong free = size - (ulong)Device.Gt.Memory.UsedPages * Core.Memory.DeviceMemory.PageSize;
        reply.SetU16(at, QueryLayout.MemoryClassSystem);
        reply.SetU64(at + QueryLayout.RegionProbedSize, size);
        reply.SetU64(at + QueryLayout.RegionUnallocatedSize, free);
        reply.SetU64(at + QueryLayout.RegionProbedCpuVisible, size);
        reply.SetU64(at + QueryLayout.RegionUnallocatedCpuVisible, free);
        return reply.WriteUser(caller, item.U64(QueryLayout.ItemData)) ? total : -Errno.EFAULT;
    }
}
