namespace Driver.Igt;

/// <summary>An IGT-style test binary: a name and the subtests it registers.</summary>
public interface IIgtBinary
{
    /// <summary>Binary name, e.g. "gem_eio".</summary>
    string Name { get; }

    /// <summary>Registers every subtest with <paramref name="builder"/>.</summary>
    void Register(IgtBinaryBuilder builder);
}
