using System.Runtime.CompilerServices;

namespace Driver.Core.Sync;

/// <summary>
/// The current thread's slots, indexed by <see cref="ReaderRegistry.Id"/>. A [ThreadStatic] array
/// rather than ThreadLocal&lt;T&gt;: the JIT inlines the TLS access, so a lookup is a TLS load, a bounds
/// check and an array load.
/// </summary>
internal static class ReaderSlotTable
{
    private const int InitialLength = 8;

#pragma warning disable IDE1006 // thread-static fields are t_camelCase, which editorconfig cannot tell apart
    [ThreadStatic]
    private static ReaderSlot?[]? t_slots;
#pragma warning restore IDE1006

    /// <summary>The current thread's table, or null if this thread has never registered anywhere.</summary>
    internal static ReaderSlot?[]? Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => t_slots;
    }

    /// <summary>Stores <paramref name="slot"/> at <paramref name="id"/> in the current thread's table, growing it if needed.</summary>
    internal static void Set(int id, ReaderSlot slot)
    {
        ReaderSlot?[]? table = t_slots;
        if (table is null || id >= table.Length)
        {
            // Only this thread ever touches its table, so a plain copy-and-replace is enough.
            int length = Math.Max(id + 1, Math.Max(InitialLength, (table?.Length ?? 0) * 2));
            var grown = new ReaderSlot?[length];
            table?.CopyTo(grown, 0);
            t_slots = table = grown;
        }

        table[id] = slot;
    }
}
