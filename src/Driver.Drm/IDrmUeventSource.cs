namespace Driver.Drm;

/// <summary>
/// A driver whose device sends uevents (kobject_uevent_env on its DRM minor): the server subscribes once and hands
/// each uevent to every udev monitor the shim opened (docs/drm-shim.md, "uevents"). Optional beside
/// <see cref="IDrmDriver"/>: a driver without it sends none.
/// </summary>
public interface IDrmUeventSource
{
    /// <summary>
    /// Calls <paramref name="handler"/> for each uevent, synchronously on the thread that raised it (a reset path):
    /// the handler must not block. Dispose the result to unsubscribe.
    /// </summary>
    IDisposable SubscribeUevents(Action<DrmUevent> handler);
}
