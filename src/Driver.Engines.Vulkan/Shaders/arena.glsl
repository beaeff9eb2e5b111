// Shared by every GpuSim compute kernel: the per-engine arena (one storage buffer, host-visible and coherent) and
// the layout of its control block. Keep in sync with ArenaLayout.cs (a test compares them).
//
// The arena is volatile: the host writes the abort word and pumps CPU writes into mirror slots while a kernel runs,
// and reads the progress words while it runs, so no load or store may be cached or hoisted out of a loop.
//
// Every loop is bounded per dispatch by a slice (push constant): a kernel that has not finished yields (HALT_YIELD,
// CTL_RESUME = its op) and the host submits the rest of the batch again from that op. Long dispatches are what GPU
// watchdogs kill, and llvmpipe ends any invocation's loops after 65535 iterations in all, silently.

layout(std430, set = 0, binding = 0) coherent volatile buffer Arena { uint w[]; };

const uint CTL_ABORT = 0u;        // host writes 1: every kernel stops at its next check ("end the spinner")
const uint CTL_HALT = 1u;         // why the batch stopped early: HALT_* (0: still running / ran to the end)
const uint CTL_EXIT_COND = 2u;    // 1 + index of the condition that ended the batch, 0 if none
const uint CTL_STORES_DONE = 3u;  // stores executed so far (the host copies them back in order)
const uint CTL_SPIN_ITERS = 4u;   // iterations of the current spin so far, across slices (checked against its cap)
const uint CTL_WORK_SINK = 5u;    // state of the busy computation, carried across slices
const uint CTL_DISPATCHES = 6u;   // kernels that ran (diagnostics)
const uint CTL_RESUME = 7u;       // op to resume at after HALT_YIELD
const uint CTL_WORK_DONE = 8u;    // units of the current work op done so far, across slices

const uint HALT_ENDED = 1u;       // a conditional end or a loop exit ended the batch (normal completion)
const uint HALT_ABORTED = 2u;     // the host aborted the batch (hang recovery)
const uint HALT_CAPPED = 3u;      // a spin reached its iteration cap without its condition (treated as a hang)
const uint HALT_YIELD = 4u;       // a kernel used up its slice: the host resubmits from CTL_RESUME

// Ops of the compare-and-wait instructions, as in the ISA: memory OP data.
bool evaluate(uint op, uint value, uint data)
{
    switch (op)
    {
        case 0u: return value > data;
        case 1u: return value >= data;
        case 2u: return value < data;
        case 3u: return value <= data;
        case 4u: return value == data;
        case 5u: return value != data;
        default: return false;
    }
}

void yieldAt(uint op)
{
    w[CTL_RESUME] = op;
    w[CTL_HALT] = HALT_YIELD;
}
