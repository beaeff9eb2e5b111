#version 450
#extension GL_GOOGLE_include_directive : require
// STORE_DWORD_IMM: executes stores [first, first + count) of the store table in program order, one invocation so a
// later store to the same address wins. Each store lands in the target's mirror slot; CTL_STORES_DONE then tells
// the host it may copy it back to the simulator's memory. Its loop is bounded by the table size (1024).
layout(local_size_x = 1, local_size_y = 1, local_size_z = 1) in;
#include "arena.glsl"

layout(push_constant) uniform Params
{
    uint first;      // first store (table index)
    uint count;      // stores in this dispatch
    uint storeBase;  // word offset of the store table: pairs (slot, value)
    uint memBase;    // word offset of the mirror slots
    uint pad0, pad1, pad2, pad3;
} p;

void main()
{
    if (w[CTL_HALT] != 0u) return;
    w[CTL_DISPATCHES] = w[CTL_DISPATCHES] + 1u;
    for (uint i = 0u; i < p.count; i++)
    {
        uint e = p.storeBase + 2u * (p.first + i);
        w[p.memBase + w[e]] = w[e + 1u];
        // The value must be visible before the progress word that lets the host copy it back.
        memoryBarrierBuffer();
        w[CTL_STORES_DONE] = p.first + i + 1u;
    }
}
