using System.Diagnostics;
using Driver.Core.Requests;

namespace Driver.Engines.Vulkan;

public sealed partial class VulkanEngine
{
    /// <summary>
    /// The backend's own hangcheck for the request in flight: past its timeout (or when the engine stops) the batch is
    /// aborted by the host writing the abort word every kernel polls; past the abort grace it is declared stuck.
    /// </summary>
    private sealed class HangWatch(VulkanEngine engine, Request rq, VulkanHostBuffer arena)
    {
        private long _submitted;
        private long _abortedAt;

        /// <summary>Why the batch was aborted, or null.</summary>
        public string? Reason { get; private set; }

        /// <summary>Whether the abort word was written.</summary>
        public bool Aborted => _abortedAt != 0;

        /// <summary>Starts the clock at the first submission.</summary>
        public void Start(long submitted) => _submitted = submitted;

        /// <summary>Aborts the batch when it is out of time; returns true when an aborted batch is past its grace.</summary>
        public bool Check()
        {
            long now = Stopwatch.GetTimestamp();
            if (_abortedAt == 0)
            {
                if (!engine._stopping && !engine.IsCancelled(engine._currentOrdinal) && now - _submitted <= Ticks(engine.Options.RequestTimeout))
                {
                    return false;
                }

                Reason = engine._stopping ? "engine stopped"
                    : engine.IsCancelled(engine._currentOrdinal) ? "cancelled: the GT is wedged"
                    : $"timed out after {engine.Options.RequestTimeout.TotalMilliseconds:0} ms";
                // End the batch: every kernel polls this word (the spinner's "host write to the flag").
                arena.Write(ArenaLayout.CtlAbort, 1);
                _abortedAt = now;
                engine._log.Warning("{Engine}: {Request} {Reason}: aborting its batch", engine.Name, rq, Reason);
                return false;
            }
            return now - _abortedAt > Ticks(engine.Options.AbortGrace);
        }
    }
}
