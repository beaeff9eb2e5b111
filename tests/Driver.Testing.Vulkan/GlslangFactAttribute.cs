namespace Driver.Testing.Vulkan;

/// <summary>A fact that needs glslangValidator (Debian glslang-tools) and the source tree; skipped with the reason otherwise.</summary>
public sealed class GlslangFactAttribute : FactAttribute
{
    /// <summary>Skips when the compiler or the checkout is missing.</summary>
    public GlslangFactAttribute()
    {
        if (RepoPaths.Root is null)
        {
            Skip = "not running from a source checkout";
        }
        else if (RepoPaths.FindOnPath("glslangValidator") is null)
        {
            Skip = "glslangValidator not found (install glslang-tools)";
        }
    }
}
