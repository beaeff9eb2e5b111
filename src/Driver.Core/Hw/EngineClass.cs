namespace Driver.Core.Hw;

/// <summary>Engine classes (uAPI <c>I915_ENGINE_CLASS_*</c>); reset statistics are kept per class.</summary>
public enum EngineClass
{
    /// <summary>Render.</summary>
    Render = 0,
    /// <summary>Copy.</summary>
    Copy = 1,
    /// <summary>Video.</summary>
    Video = 2,
    /// <summary>Video enhancement.</summary>
    VideoEnhance = 3,
    /// <summary>Compute.</summary>
    Compute = 4,
}
