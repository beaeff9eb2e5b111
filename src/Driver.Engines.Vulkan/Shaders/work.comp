#version 450
#extension GL_GOOGLE_include_directive : require
// WORK(ns): a busy computation of a calibrated number of units (eight dependent multiply-adds each), at most
// `slice` units per dispatch, checking the host's abort word every 256 units so hang recovery can stop it.
layout(local_size_x = 1, local_size_y = 1, local_size_z = 1) in;
#include "arena.glsl"

layout(push_constant) uniform Params
{
    uint units;   // units for the whole op (calibrated from nanoseconds by the host)
    uint slice;   // units in this dispatch before yielding (at least 1)
    uint op;      // this op's index (for CTL_RESUME)
    uint pad0, pad1, pad2, pad3, pad4;
} p;

void main()
{
    if (w[CTL_HALT] != 0u) return;
    w[CTL_DISPATCHES] = w[CTL_DISPATCHES] + 1u;
    uint done = w[CTL_WORK_DONE];
    uint n = min(p.units - min(done, p.units), p.slice);
    uint x = w[CTL_WORK_SINK];
    for (uint i = 0u; i < n; i++)
    {
        x = x * 1664525u + 1013904223u;
        x = x * 1664525u + 1013904223u;
        x = x * 1664525u + 1013904223u;
        x = x * 1664525u + 1013904223u;
        x = x * 1664525u + 1013904223u;
        x = x * 1664525u + 1013904223u;
        x = x * 1664525u + 1013904223u;
        x = x * 1664525u + 1013904223u;
        if ((i & 255u) == 255u && w[CTL_ABORT] != 0u)
        {
            w[CTL_WORK_SINK] = x;
            w[CTL_HALT] = HALT_ABORTED;
            return;
        }
    }
    w[CTL_WORK_SINK] = x;
    done += n;
    if (done < p.units)
    {
        w[CTL_WORK_DONE] = done;
        yieldAt(p.op);
    }
    else
    {
        w[CTL_WORK_DONE] = 0u;
    }
}
