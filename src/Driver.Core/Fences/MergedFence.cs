namespace Driver.Core.Fences;

/// <summary>
/// All-of fence over several members, like <c>dma_fence_array</c> / sync_file merge: signals once every member has
/// signalled. Its error is the first error a member signalled with, whatever it is (dma_fence_array_set_pending_error:
/// a cmpxchg from "no error yet"), a non-fatal <c>-EAGAIN</c> too: i915's fatal-error rule
/// (<see cref="DmaFence.SetErrorOnce"/>) is the request's, not the array's.
/// </summary>
public sealed class MergedFence : DmaFence
{
    private int _pending;

    // The first member error, claimed by compare-exchange from 0 (the array's PENDING_ERROR): only its winner sets
    // the fence's error, so a later member's error never replaces it.
    private int _firstError;

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
        if (error != 0 && Interlocked.CompareExchange(ref _firstError, error, 0) == 0)
        {
            SetError(error);
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
