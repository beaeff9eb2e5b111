namespace Driver.Core.Fences;

/// <summary>
/// All-of fence over several members, like <c>dma_fence_array</c> / sync_file merge: signals once every member has
/// signalled. Its error follows set-error-once over the members' errors in the order they signal, so the first fatal
/// error wins and a non-fatal one (<c>-EAGAIN</c>) only shows when no member failed fatally.
/// </summary>
public sealed class MergedFence : DmaFence
{
    private int _pending;

    /// <summary>Creates a fence over <paramref name="members"/>; an empty list gives a signalled fence.</summary>
    public MergedFence(IReadOnlyList<DmaFence> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        Members = members.ToArray();
        // +1 guard so that members signalling during construction cannot signal us before every callback is added.
        _pending = Members.Count + 1;
        foreach (DmaFence m in Members)
        {
            if (!m.AddCallback(new MemberCallback(this)))
            {
                MemberSignalled(m);
            }
        }
        Complete();
    }

    /// <summary>The member fences.</summary>
    public IReadOnlyList<DmaFence> Members { get; }

    private void MemberSignalled(DmaFence member)
    {
        int error = member.Error;
        if (error != 0)
        {
            SetErrorOnce(error);
        }

        Complete();
    }

    private void Complete()
    {
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            Signal();
        }
    }

    private sealed class MemberCallback(MergedFence owner) : FenceCallback
    {
        public override void Invoke(DmaFence fence) => owner.MemberSignalled(fence);
    }
}
