using System.Runtime.CompilerServices;
using Driver.Core.Memory;

namespace Driver.Core.Ggtt;

/// <summary>
/// The CPU's window onto the GGTT (the mappable aperture, GMADR): a dword access at a GGTT address is detiled when
/// a VALID fence register covers it, then translated to a page of device memory. Lock-free and allocation-free:
/// this is the hot path of every GTT mmap access.
/// </summary>
/// <remarks>
/// <para>Fences. The hardware compares the address with every register. The model checks only the register the
/// accessing object was given (the <c>fence</c> argument), which is equivalent because the driver never leaves a
/// VALID register over a range it does not own: stealing or releasing a register rewrites it (after revoking the
/// old holder's mappings), and ranges of bound objects do not overlap. The register counts as VALID-and-ours only
/// if both halves equal the value the driver wrote; anything else (cleared by a reset, half-written) routes the
/// access linearly — what the hardware does with an invalid register.</para>
/// <para>Translation. An address inside the accessing object's binding is translated through that binding (the
/// object's pages); any other address through the GGTT PTEs, the scratch page when none. On hardware the GGTT PTEs
/// live in memory that a GPU reset does not wipe, so the CPU's path through the aperture keeps working across a
/// reset and only the fence registers are lost. That is why an access in the glitch window lands in the object at its linear offset — the
/// wrong place — rather than in the scratch page.</para>
/// </remarks>
public sealed unsafe class Aperture
{
    private readonly Memory.Ggtt _ggtt;
    private readonly FenceRegisterFile _fences;

    /// <summary>Creates the aperture over <paramref name="ggtt"/> detiled by <paramref name="fences"/>.</summary>
    public Aperture(Memory.Ggtt ggtt, FenceRegisterFile fences)
    {
        _ggtt = ggtt;
        _fences = fences;
    }

    /// <summary>The fence registers.</summary>
    public FenceRegisterFile Fences => _fences;

    /// <summary>
    /// Reads the dword at byte <paramref name="offset"/> (4-aligned, inside the node; caller checked) of the
    /// aperture range of <paramref name="node"/>, detiled through <paramref name="fence"/> if that register is VALID
    /// and covers it. Returns how the access was routed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ApertureRoute Read(GgttNode node, uint offset, FenceBinding? fence, out uint value)
    {
        uint target = Route(node.Offset + offset, fence, out ApertureRoute route);
        nint page = Translate(node, target);
        if (page == 0)
        {
            value = 0;
            return ApertureRoute.Scratch;
        }
        value = Volatile.Read(ref *(uint*)(page + (nint)(target & 0xfff)));
        // The GGTT keeps the page mapped until here: the node is bound, so its object's arena is in the GGTT's set.
        GC.KeepAlive(node);
        GC.KeepAlive(this);
        return route;
    }

    /// <summary>Writes the dword at byte <paramref name="offset"/> of <paramref name="node"/>'s aperture range; see <see cref="Read"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ApertureRoute Write(GgttNode node, uint offset, FenceBinding? fence, uint value)
    {
        uint target = Route(node.Offset + offset, fence, out ApertureRoute route);
        nint page = Translate(node, target);
        if (page == 0)
        {
            return ApertureRoute.Scratch;
        }

        Volatile.Write(ref *(uint*)(page + (nint)(target & 0xfff)), value);
        GC.KeepAlive(node);
        GC.KeepAlive(this);
        return route;
    }

    /// <summary>The GGTT address the access really goes to: detiled through a VALID covering register, else as is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Route(uint address, FenceBinding? fence, out ApertureRoute route)
    {
        if (fence is not null)
        {
            uint relative = address - fence.Start;
            // Low half first (acquire): it holds VALID and is stored last, so when it matches, the high half stored
            // before it is visible; a cleared or half-written register never matches and the access is linear.
            if (relative < fence.Size
                && _fences.ReadLow(fence.Index) == fence.Value.Low
                && _fences.ReadHigh(fence.Index) == fence.Value.High)
            {
                route = ApertureRoute.Detiled;
                return fence.Start + fence.Surface.LinearToTiled(relative);
            }
        }
        route = ApertureRoute.Linear;
        return address;
    }

    /// <summary>The page behind GGTT <paramref name="address"/>: through <paramref name="node"/> when inside it, else the PTEs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private nint Translate(GgttNode node, uint address)
    {
        uint inNode = address - node.Offset;
        if (inNode < (ulong)node.Object.Size)
        {
            // The object's current pages (not the node's padding past them: EXEC_OBJECT_PAD_TO_SIZE); the list is immutable and the node keeps the object alive.
            PageList pages = node.Object.Pages;
            nint page = (nint)pages.PageAddress((int)(inNode >> 12));
            GC.KeepAlive(pages);
            return page;
        }

        return _ggtt.PteAt(address);
    }
}
