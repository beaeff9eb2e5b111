using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Reset.Capture;

namespace Driver.Uapi;

public sealed partial class GpuDevice
{
    /// <summary>
    /// Writes the i915.reset module parameter (/sys/module/i915/parameters/reset): 0 no resets (a hang wedges the
    /// device), 1 full device reset only, 2 or -1 engine reset first. Returns 0.
    /// </summary>
    public int SetResetParam(int value)
    {
        Reset.ResetMethod = value;
        return 0;
    }

    /// <summary>Reads the i915.reset module parameter as in effect (0, 1 or 2).</summary>
    public int GetResetParam() => Reset.ResetMethod;

    /// <summary>
    /// Writes an engine's heartbeat_interval_ms (sysfs engine/NAME/heartbeat_interval_ms). Zero turns its hang
    /// detection off: refused with -ENODEV when engine reset is not available (nothing could then remove a hog), and
    /// the work closed persistent contexts left on the engine is cancelled, since nothing would ever stop it. A
    /// changed interval pulses the engine at BARRIER priority (intel_engine_set_heartbeat → __intel_engine_pulse).
    /// -EINVAL for a negative interval or an unknown engine.
    /// </summary>
    public int SetHeartbeatInterval(EngineId engine, TimeSpan interval)
    {
        if ((uint)engine >= EngineIds.Count || interval < TimeSpan.Zero)
        {
            return -Errno.EINVAL;
        }

        if (interval == TimeSpan.Zero && !Reset.CanResetEngine)
        {
            return -Errno.ENODEV;
        }

        Heartbeat.SetHeartbeat(engine, interval);
        if (interval == TimeSpan.Zero)
        {
            KillOrphansOn(engine);
        }

        return 0;
    }

    /// <summary>
    /// Reads /sys/class/drm/card0/error (error_state_read): the held error state in i915_gpu_error.c's format, or
    /// "No error state collected". Only the first error since the last write is held (i915_error_state_store).
    /// </summary>
    public string ReadErrorFile() => Reset.ErrorStates.First?.ToText() ?? GpuErrorState.NoErrorState;

    /// <summary>
    /// Writes to /sys/class/drm/card0/error (error_state_write): whatever is written, the held error state is dropped
    /// (i915_reset_error_state) and the next hang's is kept. Returns the bytes taken, as a sysfs store does.
    /// </summary>
    public int WriteErrorFile(string data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Reset.ErrorStates.Clear();
        return data.Length;
    }

    /// <summary>
    /// Writes an engine's timeslice_duration_ms (sysfs engine/NAME/timeslice_duration_ms): how long a request keeps
    /// the engine while another context's request of equal priority waits; zero disables timeslicing. -EINVAL for a
    /// negative duration or an unknown engine.
    /// </summary>
    public int SetTimesliceDuration(EngineId engine, TimeSpan duration)
    {
        if ((uint)engine >= EngineIds.Count || duration < TimeSpan.Zero)
        {
            return -Errno.EINVAL;
        }

        Gt[engine].TimesliceDuration = duration;
        return 0;
    }

    /// <summary>Reads an engine's timeslice_duration_ms.</summary>
    public TimeSpan GetTimesliceDuration(EngineId engine) => Gt[engine].TimesliceDuration;

    /// <summary>
    /// Writes an engine's preempt_timeout_ms (sysfs engine/NAME/preempt_timeout_ms): how long a running batch may
    /// refuse to yield to a request that should replace it before the engine is reset; zero disables it. -EINVAL for
    /// a negative timeout or an unknown engine.
    /// </summary>
    public int SetPreemptTimeout(EngineId engine, TimeSpan timeout)
    {
        if ((uint)engine >= EngineIds.Count || timeout < TimeSpan.Zero)
        {
            return -Errno.EINVAL;
        }

        Gt[engine].PreemptTimeout = timeout;
        return 0;
    }

    /// <summary>Reads an engine's preempt_timeout_ms.</summary>
    public TimeSpan GetPreemptTimeout(EngineId engine) => Gt[engine].PreemptTimeout;

    /// <summary>
    /// The largest max_busywait_duration_ns sysfs takes: two jiffies (max_spin_store refuses more, since a longer
    /// spin would cost more than the sleep it avoids).
    /// </summary>
    public const long MaxBusywaitLimitNs = 2 * WaitJiffyNs;

    /// <summary>
    /// Writes an engine's max_busywait_duration_ns (sysfs engine/NAME/max_busywait_duration_ns): how long a wait on
    /// one of its requests (GEM_WAIT, a sync_file poll, any fence wait) spins before sleeping; zero sleeps at once.
    /// Applies to waits begun afterwards. -EINVAL for a negative duration, one over <see cref="MaxBusywaitLimitNs"/>
    /// or an unknown engine.
    /// </summary>
    public int SetMaxBusywaitDuration(EngineId engine, long durationNs)
    {
        if ((uint)engine >= EngineIds.Count || durationNs < 0 || durationNs > MaxBusywaitLimitNs)
        {
            return -Errno.EINVAL;
        }

        Gt[engine].Props.MaxBusywaitDurationNs = durationNs;
        return 0;
    }

    /// <summary>Reads an engine's max_busywait_duration_ns.</summary>
    public long GetMaxBusywaitDuration(EngineId engine) => Gt[engine].Props.MaxBusywaitDurationNs;

    /// <summary>Reads an engine's heartbeat interval.</summary>
    public TimeSpan GetHeartbeatInterval(EngineId engine) => Heartbeat.GetInterval(engine);
}
