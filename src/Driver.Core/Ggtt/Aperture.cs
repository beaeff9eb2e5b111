using System.Runtime.CompilerServices;

namespace Driver.Core.Ggtt;

/// <summary>
/// The CPU's window onto the GGTT (the mappable aperture, GMADR): a dword access at a GGTT address is detiled when
/// a VALID fence register covers it, then translated by the GGTT PTEs to a page of device memory. Lock-free and
/// allocation-free: this is the hot path of every GTT mmap access.
/// </summary>
/// <remarks>
/// The hardware compares the address with every register. The model checks only the register the accessing
/// mapping's object was given (<paramref name="fence"/> in <see cref="Read"/>), which is equivalent because the
/// driver never leaves a VALID register over a range it does not own: stealing or releasing a register rewrites it
/// (after revoking the old holder's mappings), and ranges of bound objects do not overlap. The register is
/// VALID-and-ours only if both halves equal the value the driver wrote; anything else (cleared by a reset,
/// mid-rewrite) routes the access linearly — exactly what the hardware does with an invalid register.
/// </remarks>
public sealed class Aperture
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
    /// Reads the dword at aperture <paramref name="address"/> (4-aligned; caller checked), detiled through
    /// <paramref name="fence"/> if that register is VALID and covers it. Returns how the access was routed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ApertureRoute Read(uint address, FenceBinding? fence, out uint value)
    {
        uint target = Route(address, fence, out var route);
        var page = _ggtt.PageAt(target);
        if (page is null)
        {
            value = 0;
            return ApertureRoute.Scratch;
        }
        value = Volatile.Read(ref page[(target & 0xfff) >> 2]);
        return route;
    }

    /// <summary>Writes the dword at aperture <paramref name="address"/>; see <see cref="Read"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ApertureRoute Write(uint address, FenceBinding? fence, uint value)
    {
        uint target = Route(address, fence, out var route);
        var page = _ggtt.PageAt(target);
        if (page is null) return ApertureRoute.Scratch;
        Volatile.Write(ref page[(target & 0xfff) >> 2], value);
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
}
