using Driver.Core.Requests;

namespace Driver.Engines.Execution;

/// <summary>
/// Something that executes an engine's requests instead of its simulated command streamer (the Vulkan backend).
/// Installed with <see cref="Engine.UseBackend"/>. It completes every request it is given exactly once — error (if
/// any) first, then the breadcrumb, then the signal — as the engine's own path does.
/// </summary>
public interface IEngineBackend
{
    /// <summary>Name for logs ("vk:rcs0").</summary>
    string Name { get; }

    /// <summary>
    /// Takes a request whose in-fences have all signalled. Called from any thread, fence-signalling paths included:
    /// must neither block nor wait on a fence.
    /// </summary>
    void Submit(Request rq);

    /// <summary>Whether requests are queued or executing.</summary>
    bool IsBusy { get; }

    /// <summary>
    /// The backend's part of engine->reset.cancel (<see cref="Engine.ResetCancel"/>), for the GT wedge: the batch
    /// executing is aborted and every request the backend holds is completed with -EIO, soon and without the caller
    /// waiting (any thread, inside a signalling section: must not block). The wedge has already stopped new
    /// submissions reaching the backend. Later submissions (after an unwedge) run normally.
    /// </summary>
    /// <remarks>
    /// The other steps of the vtable have nothing to do for a backend: a GT engine reset stops and rewinds the
    /// engine's own queues, while work handed to a backend runs on another device, whose hangs the backend detects
    /// and recovers from itself (the Vulkan backend's device-loss replay). Only a wedge must reach into it, because
    /// the wedge promises every fence ends.
    /// </remarks>
    void ResetCancel();
}
