namespace Driver.Core.Resv;

/// <summary>Configuration names of <see cref="ResetLockingRule"/>: "i915" and "amdgpu".</summary>
public static class ResetLockingRuleNames
{
    /// <summary>The configuration name of <paramref name="rule"/>.</summary>
    public static string Name(ResetLockingRule rule) => rule switch
    {
        ResetLockingRule.I915 => "i915",
        ResetLockingRule.Amdgpu => "amdgpu",
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, null),
    };

    /// <summary>Parses "i915" or "amdgpu" (ordinal); false for anything else.</summary>
    public static bool TryParse(string? name, out ResetLockingRule rule)
    {
        switch (name)
        {
            case "i915": rule = ResetLockingRule.I915; return true;
            case "amdgpu": rule = ResetLockingRule.Amdgpu; return true;
            default: rule = default; return false;
        }
    }
}
