using System.Text.Json;
using Driver.Core.Hw;
using Driver.Sim.Tests.Scenarios;

namespace Driver.Sim.Tests.Tracing;

/// <summary>The Chrome trace of hang-engine-reset: valid trace-event JSON whose tracks and slices match the run.</summary>
[Collection(ScenarioCollection.Name)]
public sealed class ChromeTraceTests(HangEngineResetTrace run) : IClassFixture<HangEngineResetTrace>
{
    private readonly JsonElement[] _events = JsonDocument.Parse(run.Json).RootElement.GetProperty("traceEvents").EnumerateArray().ToArray();

    private Dictionary<int, string> ThreadNames() => _events
        .Where(e => e.GetProperty("ph").GetString() == "M" && e.GetProperty("name").GetString() == "thread_name")
        .ToDictionary(e => e.GetProperty("tid").GetInt32(), e => e.GetProperty("args").GetProperty("name").GetString()!);

    private int Tid(string track) => ThreadNames().Single(kv => kv.Value == track).Key;

    private IEnumerable<JsonElement> Complete(int tid) =>
        _events.Where(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("tid").GetInt32() == tid);

    private IEnumerable<JsonElement> Instants(int tid) =>
        _events.Where(e => e.GetProperty("ph").GetString() == "i" && e.GetProperty("tid").GetInt32() == tid);

    private static double Ts(JsonElement e) => e.GetProperty("ts").GetDouble();

    private static double End(JsonElement e) => Ts(e) + e.GetProperty("dur").GetDouble();

    private static string Name(JsonElement e) => e.GetProperty("name").GetString()!;

    [Fact]
    public void RunPassedItsOwnExpectations() => Assert.True(run.Result.Passed);

    [Fact]
    public void EveryEventHasTheFieldsItsPhaseNeeds()
    {
        Assert.NotEmpty(_events);
        foreach (JsonElement e in _events)
        {
            string ph = e.GetProperty("ph").GetString()!;
            Assert.Contains(ph, new[] { "M", "X", "i" });
            Assert.Equal(JsonValueKind.Number, e.GetProperty("pid").ValueKind);
            Assert.Equal(JsonValueKind.Number, e.GetProperty("tid").ValueKind);
            Assert.False(string.IsNullOrEmpty(Name(e)));
            if (ph == "M")
            {
                continue;
            }

            Assert.True(Ts(e) >= 0);
            Assert.True(Ts(e) <= run.Model.DurationUs + 1);
            if (ph == "X")
            {
                Assert.True(e.GetProperty("dur").GetDouble() >= 0);
            }

            if (ph == "i")
            {
                Assert.Contains(e.GetProperty("s").GetString(), new[] { "t", "g", "p" });
            }
        }
    }

    [Fact]
    public void EachEngineAndTheResetPathHaveANamedSortedTrack()
    {
        Dictionary<int, string> names = ThreadNames();
        foreach (EngineId engine in EngineIds.All)
        {
            Assert.Contains(engine.Name(), names.Values);
        }

        Assert.Contains("hangcheck / reset", names.Values);
        IEnumerable<int> sorted = _events.Where(e => e.GetProperty("name").GetString() == "thread_sort_index").Select(e => e.GetProperty("tid").GetInt32());
        Assert.Equal(names.Keys.Order(), sorted.Order());
        Assert.Contains(_events, e => Name(e) == "process_name");
    }

    [Fact]
    public void EngineTracksHaveOneSlicePerRequestTheRunSubmitted()
    {
        foreach ((string? engine, Results.EngineCounts? counts) in run.Result.Engines)
        {
            Assert.Equal(counts.Requests, Complete(Tid(engine)).Count(e => e.GetProperty("cat").GetString() == "request"));
        }

        Assert.Equal(run.Result.Fences.Submitted, _events.Count(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("cat").GetString() == "request"));
    }

    [Fact]
    public void SlicesCarryClientContextSeqnoAndStatus()
    {
        foreach (JsonElement slice in _events.Where(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("cat").GetString() == "request"))
        {
            JsonElement args = slice.GetProperty("args");
            Assert.False(string.IsNullOrEmpty(args.GetProperty("client").GetString()));
            Assert.True(args.GetProperty("context").GetInt32() >= 0);
            Assert.True(args.GetProperty("seqno").GetInt64() > 0);
            Assert.Contains(args.GetProperty("status").GetString(), new[] { "ok", "-EIO" });
        }
    }

    [Fact]
    public void SlicesOfOneTrackNeverOverlap()
    {
        foreach (int tid in ThreadNames().Keys)
        {
            JsonElement[] slices = Complete(tid).OrderBy(Ts).ThenBy(End).ToArray();
            for (int i = 1; i < slices.Length; i++)
            {
                Assert.True(Ts(slices[i]) >= End(slices[i - 1]) - 0.002, $"{ThreadNames()[tid]}: {Name(slices[i - 1])} overlaps {Name(slices[i])}");
            }
        }
    }

    [Fact]
    public void HangAndEngineResetAreOnTheResetTrackAndTheHungEngine()
    {
        int reset = Tid("hangcheck / reset");
        JsonElement resetSlice = Assert.Single(Complete(reset));
        Assert.Equal("engine reset rcs0", Name(resetSlice));
        Assert.Contains("hog/ctx", resetSlice.GetProperty("args").GetProperty("guilty").GetString());
        JsonElement hang = Assert.Single(Instants(reset), e => e.GetProperty("cat").GetString() == "hang");
        JsonElement engineHang = Assert.Single(Instants(Tid("rcs0")), e => e.GetProperty("cat").GetString() == "hang");
        Assert.Equal(Ts(hang), Ts(engineHang));
        // Detected, then reset: the hang comes first.
        Assert.True(Ts(hang) <= Ts(resetSlice) + 0.002);
        foreach (string? engine in new[] { "bcs0", "vcs0", "vecs0", "ccs0" })
        {
            Assert.DoesNotContain(Instants(Tid(engine)), e => e.GetProperty("cat").GetString() == "hang");
        }
    }

    [Fact]
    public void GuiltySpinnerSpansTheResetAndFailsWithEio()
    {
        JsonElement guilty = Assert.Single(Complete(Tid("rcs0")), e => e.GetProperty("args").TryGetProperty("guilty", out _));
        Assert.Equal("-EIO", guilty.GetProperty("args").GetProperty("status").GetString());
        Assert.StartsWith("hog/", Name(guilty));
        JsonElement reset = Assert.Single(Complete(Tid("hangcheck / reset")));
        // The spinner started before the reset and was still running when it began. (Its fence may signal before the
        // reset thread records the reset's end: the engine replays it as soon as it is unparked.)
        Assert.True(Ts(guilty) <= Ts(reset));
        Assert.True(End(guilty) >= Ts(reset));
        JsonElement error = Assert.Single(Instants(Tid("rcs0")), e => e.GetProperty("cat").GetString() == "fence");
        Assert.Equal("-EIO", error.GetProperty("args").GetProperty("errno").GetString());
    }

    [Fact]
    public void ReplayedRequestsRunOnRcs0AfterTheReset()
    {
        JsonElement reset = Assert.Single(Complete(Tid("hangcheck / reset")));
        JsonElement[] replayed = Complete(Tid("rcs0")).Where(e => e.GetProperty("args").TryGetProperty("replays", out _) && !e.GetProperty("args").TryGetProperty("guilty", out _)).ToArray();
        Assert.NotEmpty(replayed);
        Assert.Equal(reset.GetProperty("args").GetProperty("replayed").GetInt32(), replayed.Length);
        Assert.All(replayed, r =>
        {
            Assert.EndsWith("(replayed)", Name(r));
            Assert.Equal("ok", r.GetProperty("args").GetProperty("status").GetString());
            Assert.True(Ts(r) >= Ts(reset), $"{Name(r)} started before the reset");
        });
        foreach (string? engine in new[] { "bcs0", "vcs0", "vecs0", "ccs0" })
        {
            Assert.DoesNotContain(Complete(Tid(engine)), e => e.GetProperty("args").TryGetProperty("replays", out _));
        }
    }

    [Fact]
    public void HeartbeatPulseWaitedForTheHungEngine()
    {
        JsonElement[] pulses = Complete(Tid("rcs0 heartbeat")).ToArray();
        Assert.NotEmpty(pulses);
        JsonElement hang = Instants(Tid("hangcheck / reset")).Single(e => e.GetProperty("cat").GetString() == "hang");
        // The pulse that found the hang was pending from before the hang was declared.
        Assert.Contains(pulses, p => Ts(p) < Ts(hang) && End(p) >= Ts(hang));
    }
}
