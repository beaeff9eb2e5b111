#version 450
#extension GL_GOOGLE_include_directive : require
// SEMAPHORE_WAIT, COND_BATCH_BUFFER_END and spin loops: polls conditions [first, first + count) over the mirror
// slots (which the host keeps up to date with CPU writes) until one holds, the host aborts, or the iteration cap is
// reached; yields to the host after `slice` polls. The cap counts across slices: a spin always ends.
layout(local_size_x = 1, local_size_y = 1, local_size_z = 1) in;
#include "arena.glsl"

layout(push_constant) uniform Params
{
    uint first;        // first condition (table index)
    uint count;        // conditions polled
    uint condBase;     // word offset of the condition table: triples (slot, op, data)
    uint memBase;      // word offset of the mirror slots
    uint cap;          // iteration cap over the whole spin (at least 1)
    uint mode;         // bit 0: a hit ends the batch (else continue); bit 1: the cap is a hang (else continue)
    uint slice;        // polls in this dispatch before yielding (at least 1)
    uint op;           // this op's index (for CTL_RESUME)
} p;

void main()
{
    if (w[CTL_HALT] != 0u) return;
    w[CTL_DISPATCHES] = w[CTL_DISPATCHES] + 1u;
    uint total = w[CTL_SPIN_ITERS];
    for (uint it = 0u; it < p.slice; it++)
    {
        if (w[CTL_ABORT] != 0u)
        {
            w[CTL_SPIN_ITERS] = total;
            w[CTL_HALT] = HALT_ABORTED;
            return;
        }
        for (uint c = 0u; c < p.count; c++)
        {
            uint e = p.condBase + 3u * (p.first + c);
            if (evaluate(w[e + 1u], w[p.memBase + w[e]], w[e + 2u]))
            {
                w[CTL_SPIN_ITERS] = 0u;
                if ((p.mode & 1u) != 0u)
                {
                    w[CTL_EXIT_COND] = p.first + c + 1u;
                    w[CTL_HALT] = HALT_ENDED;
                }
                return;
            }
        }
        total++;
        if (total >= p.cap)
        {
            w[CTL_SPIN_ITERS] = (p.mode & 2u) != 0u ? total : 0u;
            if ((p.mode & 2u) != 0u) w[CTL_HALT] = HALT_CAPPED;
            return;
        }
    }
    w[CTL_SPIN_ITERS] = total;
    yieldAt(p.op);
}
