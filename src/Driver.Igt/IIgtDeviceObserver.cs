using Driver.Uapi;

namespace Driver.Igt;

/// <summary>
/// Told of every device a subtest opens, before the subtest uses it. The framework knows nothing of what is done with
/// it: the <c>gpusim igt --trace</c> front end records each device for a Chrome trace.
/// </summary>
public interface IIgtDeviceObserver
{
    /// <summary>A subtest (named <paramref name="name"/>, igt@binary@subtest[@dynamic]) opened <paramref name="device"/>.</summary>
    void Attach(GpuDevice device, string name);
}
