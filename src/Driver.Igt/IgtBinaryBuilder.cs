using System.Text.RegularExpressions;
using Driver.Uapi;

namespace Driver.Igt;

/// <summary>Collects one binary's subtests, checking their names as IGT does ([A-Za-z0-9_-], unique).</summary>
public sealed partial class IgtBinaryBuilder(string binary)
{
    private readonly List<IgtSubtest> _subtests = new();

    /// <summary>The binary being built.</summary>
    public string Binary { get; } = CheckName(binary);

    /// <summary>The subtests registered so far.</summary>
    public IReadOnlyList<IgtSubtest> Subtests => _subtests;

    /// <summary>Registers a subtest (igt_subtest).</summary>
    public IgtBinaryBuilder Subtest(string name, Action<IgtContext> body, IgtExpectations expect = IgtExpectations.None,
        string? description = null, Func<DeviceConfig>? config = null) => Add(name, body, expect, description, config, withDynamic: false);

    /// <summary>
    /// Registers a container of dynamic subtests (igt_subtest_with_dynamic): its body starts them with
    /// <see cref="IgtContext.Dynamic"/>, and it is skipped when none ran.
    /// </summary>
    public IgtBinaryBuilder SubtestWithDynamic(string name, Action<IgtContext> body, IgtExpectations expect = IgtExpectations.None,
        string? description = null, Func<DeviceConfig>? config = null) => Add(name, body, expect, description, config, withDynamic: true);

    private IgtBinaryBuilder Add(string name, Action<IgtContext> body, IgtExpectations expect, string? description,
        Func<DeviceConfig>? config, bool withDynamic)
    {
        CheckName(name);
        if (_subtests.Any(s => s.Name == name))
        {
            throw new ArgumentException($"{Binary}: subtest '{name}' registered twice", nameof(name));
        }

        _subtests.Add(new IgtSubtest(Binary, name, body, expect, description, config, withDynamic));
        return this;
    }

    /// <summary>Throws unless <paramref name="name"/> is a valid IGT test or subtest name.</summary>
    public static string CheckName(string name)
    {
        if (!ValidName().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a valid IGT name ([A-Za-z0-9_-]+)", nameof(name));
        }

        return name;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex ValidName();
}
