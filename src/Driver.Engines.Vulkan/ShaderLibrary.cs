namespace Driver.Engines.Vulkan;

/// <summary>
/// The compute kernels' SPIR-V, embedded in this assembly from Shaders/*.spv (compiled from Shaders/*.comp by
/// scripts/compile-shaders.sh and committed, so building needs no shader compiler).
/// </summary>
internal static class ShaderLibrary
{
    /// <summary>STORE_DWORD_IMM kernel.</summary>
    public const string Store = "store";
    /// <summary>Semaphore / conditional end / loop kernel.</summary>
    public const string Spin = "spin";
    /// <summary>WORK kernel.</summary>
    public const string Work = "work";

    /// <summary>Every kernel, in pipeline index order.</summary>
    public static readonly string[] Names = [Store, Spin, Work];

    /// <summary>The SPIR-V words of kernel <paramref name="name"/>.</summary>
    public static uint[] Load(string name)
    {
        byte[] bytes = LoadBytes(name);
        if (bytes.Length == 0 || bytes.Length % 4 != 0)
        {
            throw new InvalidDataException($"{name}.spv is not SPIR-V ({bytes.Length} bytes)");
        }

        uint[] words = new uint[bytes.Length / 4];
        System.Buffer.BlockCopy(bytes, 0, words, 0, bytes.Length);
        if (words[0] != 0x07230203)
        {
            throw new InvalidDataException($"{name}.spv has no SPIR-V magic number");
        }

        return words;
    }

    /// <summary>The embedded bytes of <paramref name="name"/>.spv.</summary>
    public static byte[] LoadBytes(string name)
    {
        string resource = $"Driver.Engines.Vulkan.Shaders.{name}.spv";
        using Stream stream = typeof(ShaderLibrary).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidDataException($"embedded shader {resource} is missing (run scripts/compile-shaders.sh)");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
