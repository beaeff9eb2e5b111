using Driver.Uapi;

namespace Driver.Igt;

/// <summary>
/// One subtest of an IGT-style binary: its names, its body, what it provokes on purpose, and the device configuration
/// its fresh devices get.
/// </summary>
/// <param name="Binary">Binary name, e.g. "gem_eio".</param>
/// <param name="Name">Subtest name, e.g. "in-flight-10ms".</param>
/// <param name="Body">The test; dynamic subtests are started from it with <see cref="IgtContext.Dynamic"/>.</param>
/// <param name="Expect">Warnings the subtest provokes on purpose.</param>
/// <param name="Description">What it checks (igt_describe).</param>
/// <param name="Config">Configuration of the devices it opens; null for <see cref="IgtContext.DefaultConfig"/>.</param>
/// <param name="WithDynamic">
/// A container of dynamic subtests (igt_subtest_with_dynamic): only such a subtest may start dynamic subtests, and
/// it is skipped when none of them ran (igt_success: "No dynamic tests executed.").
/// </param>
public sealed record IgtSubtest(string Binary, string Name, Action<IgtContext> Body, IgtExpectations Expect = IgtExpectations.None,
    string? Description = null, Func<DeviceConfig>? Config = null, bool WithDynamic = false)
{
    /// <summary>The runner's name: igt@binary@subtest.</summary>
    public string FullName => $"igt@{Binary}@{Name}";

    /// <summary>binary@subtest, as globs match it.</summary>
    public string ShortName => $"{Binary}@{Name}";

    /// <inheritdoc/>
    public override string ToString() => FullName;
}
