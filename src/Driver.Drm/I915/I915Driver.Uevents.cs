using Driver.Reset.Events;

namespace Driver.Drm.I915;

/// <summary>The device's uevents: what intel_gt_reset_global sends on the card's kobject.</summary>
public sealed partial class I915Driver : IDrmUeventSource
{
    /// <summary>The card's device path below /sys (an integrated GPU at PCI 0000:00:02.0, as on real hardware).</summary>
    public const string CardDevPath = "/devices/pci0000:00/0000:00:02.0/drm/card0";

    /// <summary>
    /// The reset path's uevents (GpuEventKind.Uevent: ERROR=1 and RESET=1 before a full reset, ERROR=0 after one
    /// that recovered) as kobject_uevent_env(&amp;primary->kdev->kobj, KOBJ_CHANGE, env) makes them: on card0, with
    /// dev_uevent's MAJOR/MINOR/DEVNAME and drm_sysfs's DEVTYPE=drm_minor. Engine resets send none (i915 neither).
    /// </summary>
    public IDisposable SubscribeUevents(Action<DrmUevent> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Device.Reset.Events.Subscribe(ev =>
        {
            if (ev.Kind == GpuEventKind.Uevent && ToUevent(ev.Message) is { } uevent)
            {
                handler(uevent);
            }
        });
    }

    /// <summary>The card's KOBJ_CHANGE uevent carrying <paramref name="property"/> ("KEY=VALUE"), or null if malformed.</summary>
    internal static DrmUevent? ToUevent(string property)
    {
        int eq = property.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            return null;
        }

        return new DrmUevent("change", CardDevPath, "drm",
        [
            new("MAJOR", "226"),
            new("MINOR", "0"),
            new("DEVNAME", "dri/card0"),
            new("DEVTYPE", "drm_minor"),
            new(property[..eq], property[(eq + 1)..]),
        ]);
    }
}
