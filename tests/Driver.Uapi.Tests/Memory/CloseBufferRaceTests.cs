using System.Diagnostics;
using Driver.Core.Fences;
using Driver.Engines.Isa;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Memory;

/// <summary>Closing a busy object frees it once its last request completes, however close the two are.</summary>
public class CloseBufferRaceTests
{
    [Fact]
    public void ObjectClosedWhileItsBatchCompletesIsStillFreed()
    {
        using var t = TestDevice.Fast();
        t.AssertWorks();
        long basePages = t.Dev.Gt.Memory.UsedPages;
        int baseNodes = t.Dev.Gt.Ggtt.NodeCount;
        uint[] end = new BatchBuilder().End().ToArray();
        var last = new List<Driver.Core.Fences.DmaFence>();
        var sw = Stopwatch.StartNew();
        // Bounded in count and time: each close races the engine completing the batch it just submitted.
        for (int i = 0; i < 3000 && sw.Elapsed < TimeSpan.FromSeconds(3); i++)
        {
            Assert.Equal(0, t.Dev.CreateBuffer(t.Client, 4096, out int h));
            Assert.Equal(0, t.Dev.Write(t.Client, h, 0, end));
            Assert.Equal(0, t.Dev.Execbuf(new ExecbufArgs { Client = t.Client, Engine = i % 5, BatchHandle = h }, out DmaFence? f));
            if (i % 4 == 0)
            {
                Thread.SpinWait(i % 64);
            }

            Assert.Equal(0, t.Dev.CloseBuffer(t.Client, h));
            last.Add(f!);
        }
        foreach (DmaFence f in last)
        {
            Assert.True(f.Wait(Bound.Long));
        }
        // The release runs in the fence's callback, which may still be running when IsSignaled reads true.
        Poll.Until(() => t.Dev.Gt.Memory.UsedPages == basePages, "every page to be freed", () => $"{t.Dev.Gt.Memory.UsedPages - basePages} pages leaked");
        Poll.Until(() => t.Dev.Gt.Ggtt.NodeCount == baseNodes, "every GGTT node to be released", () => $"{t.Dev.Gt.Ggtt.NodeCount - baseNodes} GGTT nodes leaked");
    }
}
