using Driver.Core.Memory;

namespace Driver.Core.Contexts;

/// <summary>A breadcrumb dword in a status page: the page, the dword index, and its GGTT address.</summary>
public readonly record struct StatusSlot(Page Page, int Index, uint GgttAddress);
