using System.Text;

namespace Driver.Igt;

/// <summary>The stdout and stderr text one test produced, kept for results.json.</summary>
internal sealed class IgtCapture
{
    /// <summary>Standard output.</summary>
    public StringBuilder Out { get; } = new();

    /// <summary>Standard error.</summary>
    public StringBuilder Err { get; } = new();
}
