namespace Driver.Core.Resv;

/// <summary>What a registered <see cref="ResvWait"/> blocks on.</summary>
public enum ResvWaitKind
{
    /// <summary>A fence, possibly with reservation locks held (the i915 rule allows that).</summary>
    Fence,

    /// <summary>A reservation lock another thread holds.</summary>
    Lock,
}
