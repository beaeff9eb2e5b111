using System.Text.Json;

using Driver.Igt.Subtests;
using Driver.Sim.Igt;

namespace Driver.Sim.Tests.Igt;

/// <summary><c>gpusim igt --trace FILE</c>: every subtest's device becomes a process of one Chrome trace.</summary>
[Collection(IgtCollection.Name)]
public class IgtTraceTests
{
    [Fact]
    public void TraceHasAProcessPerSubtestDeviceWithEngineTracksAndRequests()
    {
        string path = Path.Combine(Path.GetTempPath(), $"gpusim-igt-trace-{Guid.NewGuid():N}.json");
        try
        {
            var stdout = new StringWriter();
            int code = IgtCommand.Run(IgtSuite.Catalog, new IgtCommandOptions { RunSubtest = "gem_exec_fence@busy-hang", TracePath = path }, stdout, TextWriter.Null);
            Assert.Equal(0, code);
            // busy-hang is dynamic per engine: a device (so a process in the trace) per dynamic subtest.
            Assert.Contains("Trace of 5 device(s) written", stdout.ToString());
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
            var processes = events.Where(e => e.GetProperty("name").GetString() == "process_name")
                .Select(e => (Pid: e.GetProperty("pid").GetInt32(), Name: e.GetProperty("args").GetProperty("name").GetString())).ToList();
            Assert.Equal([1, 2, 3, 4, 5], processes.Select(p => p.Pid));
            Assert.Contains((1, "gpusim: igt@gem_exec_fence@busy-hang@rcs0"), processes);
            Assert.Contains((5, "gpusim: igt@gem_exec_fence@busy-hang@ccs0"), processes);
            var threads = events.Where(e => e.GetProperty("name").GetString() == "thread_name")
                .Select(e => e.GetProperty("args").GetProperty("name").GetString()).ToList();
            Assert.Contains("rcs0", threads);
            Assert.Contains(events, e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("pid").GetInt32() == 1);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
