namespace Driver.Drm;

/// <summary>
/// One kobject uevent of the device (kobject_uevent_env): the action ("change"), the kobject's sysfs path below /sys,
/// its subsystem, and the environment the device and the driver add (MAJOR, MINOR, DEVNAME, DEVTYPE, then the
/// driver's own, such as i915's ERROR=1). The server adds ACTION, DEVPATH, SUBSYSTEM and SEQNUM when it broadcasts.
/// </summary>
public sealed record DrmUevent(string Action, string DevPath, string Subsystem, IReadOnlyList<KeyValuePair<string, string>> Environment)
{
    /// <summary>The value of <paramref name="key"/> in <see cref="Environment"/>, or null.</summary>
    public string? Get(string key)
    {
        foreach (KeyValuePair<string, string> kv in Environment)
        {
            if (kv.Key == key)
            {
                return kv.Value;
            }
        }

        return null;
    }
}
