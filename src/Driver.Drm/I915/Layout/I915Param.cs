namespace Driver.Drm.I915.Layout;

/// <summary>I915_PARAM_* numbers (i915_drm.h) and the I915_SCHEDULER_CAP_* bits.</summary>
public static class I915Param
{
#pragma warning disable CS1591 // The names are i915_drm.h's I915_PARAM_* in PascalCase.
    public const int IrqActive = 1;
    public const int AllowBatchbuffer = 2;
    public const int LastDispatch = 3;
    public const int ChipsetId = 4;
    public const int HasGem = 5;
    public const int NumFencesAvail = 6;
    public const int HasOverlay = 7;
    public const int HasPageflipping = 8;
    public const int HasExecbuf2 = 9;
    public const int HasBsd = 10;
    public const int HasBlt = 11;
    public const int HasRelaxedFencing = 12;
    public const int HasCoherentRings = 13;
    public const int HasExecConstants = 14;
    public const int HasRelaxedDelta = 15;
    public const int HasGen7SolReset = 16;
    public const int HasLlc = 17;
    public const int HasAliasingPpgtt = 18;
    public const int HasWaitTimeout = 19;
    public const int HasSemaphores = 20;
    public const int HasPrimeVmapFlush = 21;
    public const int HasVebox = 22;
    public const int HasSecureBatches = 23;
    public const int HasPinnedBatches = 24;
    public const int HasExecNoReloc = 25;
    public const int HasExecHandleLut = 26;
    public const int HasWt = 27;
    public const int CmdParserVersion = 28;
    public const int HasCoherentPhysGtt = 29;
    public const int MmapVersion = 30;
    public const int HasBsd2 = 31;
    public const int Revision = 32;
    public const int SubsliceTotal = 33;
    public const int EuTotal = 34;
    public const int HasGpuReset = 35;
    public const int HasResourceStreamer = 36;
    public const int HasExecSoftpin = 37;
    public const int HasPooledEu = 38;
    public const int MinEuInPool = 39;
    public const int MmapGttVersion = 40;
    public const int HasScheduler = 41;
    public const int HucStatus = 42;
    public const int HasExecAsync = 43;
    public const int HasExecFence = 44;
    public const int HasExecCapture = 45;
    public const int SliceMask = 46;
    public const int SubsliceMask = 47;
    public const int HasExecBatchFirst = 48;
    public const int HasExecFenceArray = 49;
    public const int HasContextIsolation = 50;
    public const int CsTimestampFrequency = 51;
    public const int MmapGttCoherent = 52;
    public const int HasExecSubmitFence = 53;
    public const int PerfRevision = 54;
    public const int HasExecTimelineFences = 55;
    public const int HasUserptrProbe = 56;
    public const int OaTimestampFrequency = 57;
    public const int PxpStatus = 58;

    public const int SchedulerCapEnabled = 1 << 0;
    public const int SchedulerCapPriority = 1 << 1;
    public const int SchedulerCapPreemption = 1 << 2;
    public const int SchedulerCapSemaphores = 1 << 3;
#pragma warning restore CS1591
}
