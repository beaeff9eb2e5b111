using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;

namespace Driver.Sim.Tracing;

internal sealed partial class TraceBuilder
{
    /// <summary>
    /// One slice per request on its engine's track. A request that ran spans its first execution start to its signal,
    /// cut at the next request's start (the engine is FIFO, so its payload had finished by then; the signal itself
    /// comes a little later from the breadcrumbs). A request that never ran (skipped, cancelled) is a zero-length
    /// slice at its signal. Errors and replays also get instants.
    /// </summary>
    private void AddRequests(IReadOnlyList<Request> requests)
    {
        foreach (IGrouping<EngineId, Request> group in requests.GroupBy(r => r.Engine))
        {
            RequestSpan[] spans = group.Select(Span).ToArray();
            RequestSpan[] ran = spans.Where(s => s.Ran).OrderBy(s => s.Start).ThenBy(s => s.Rq.Seqno).ToArray();
            for (int i = 0; i + 1 < ran.Length; i++)
            {
                long nextStart = ran[i + 1].Start;
                if (nextStart < ran[i].End)
                {
                    ran[i].End = Math.Max(ran[i].Start, nextStart);
                }
            }
            TraceSlice[] slices = spans.OrderBy(s => s.Start).Select(RequestSlice).ToArray();
            _slices.AddRange(slices);
            foreach (RequestSpan? s in spans)
            {
                RequestInstants(s);
            }
        }
    }

    private RequestSpan Span(Request rq)
    {
        long signal = rq.SignalTimestamp;
        long started = rq.StartedTimestamp;
        bool ran = started != 0;
        long startTs = ran ? started : signal != 0 ? signal : rq.CreatedTimestamp;
        long endTs = ran ? (signal != 0 ? signal : end) : startTs;
        return new RequestSpan(rq, rq.Status, ran, startTs) { End = endTs };
    }

    private TraceSlice RequestSlice(RequestSpan s)
    {
        Request rq = s.Rq;
        RequestOutcome outcome = Outcome(s.Status, rq.Replays);
        string name = rq.Context + outcome switch
        {
            RequestOutcome.Ok => "",
            RequestOutcome.OkReplayed => " (replayed)",
            RequestOutcome.Again => " -EAGAIN (replayed)",
            RequestOutcome.Io => rq.Guilty ? " -EIO guilty" : s.Ran ? " -EIO" : " -EIO (not run)",
            RequestOutcome.Unsignaled => " unsignaled",
            _ => " " + StatusText(s.Status),
        };
        var args = new Dictionary<string, object>
        {
            ["client"] = rq.Context.Client.Name,
            ["context"] = rq.Context.Id,
            ["seqno"] = (long)rq.Seqno,
            ["status"] = StatusText(s.Status),
            ["created_us"] = Round(Us(rq.CreatedTimestamp)),
        };
        if (s.Ran)
        {
            args["queued_us"] = Round(Us(s.Start) - Us(rq.CreatedTimestamp));
        }
        else
        {
            args["ran"] = false;
        }

        if (rq.SignalTimestamp != 0)
        {
            args["signal_us"] = Round(Us(rq.SignalTimestamp));
        }

        if (rq.Guilty)
        {
            args["guilty"] = true;
        }

        if (rq.Replays > 0)
        {
            args["replays"] = rq.Replays;
        }

        if (rq.ReplayStartedTimestamp != 0)
        {
            args["replay_start_us"] = Round(Us(rq.ReplayStartedTimestamp));
        }

        double startUs = Us(s.Start);
        return new TraceSlice(EngineTrack(rq.Engine), TraceSliceKind.Request, name, "request", startUs,
            Math.Max(0, Us(s.End) - startUs), args)
        { Outcome = outcome };
    }

    private void RequestInstants(RequestSpan s)
    {
        Request rq = s.Rq;
        if (s.Status < 0 && rq.SignalTimestamp != 0)
        {
            Instant(EngineTrack(rq.Engine), TraceInstantKind.FenceError, $"fence error {StatusText(s.Status)}", "fence",
                rq.SignalTimestamp, new Dictionary<string, object>
                {
                    ["context"] = rq.Context.ToString(),
                    ["seqno"] = (long)rq.Seqno,
                    ["errno"] = StatusText(s.Status),
                    ["guilty"] = rq.Guilty,
                });
        }
        if (rq.ReplayStartedTimestamp != 0)
        {
            Instant(EngineTrack(rq.Engine), TraceInstantKind.Replay, "replay", "reset", rq.ReplayStartedTimestamp,
                new Dictionary<string, object> { ["context"] = rq.Context.ToString(), ["seqno"] = (long)rq.Seqno, ["replays"] = rq.Replays });
        }
    }

    /// <summary>Heartbeat pulses on their engine's heartbeat track: creation to signal, the wait hang detection watches.</summary>
    private void AddPulses(IReadOnlyList<Request> pulses)
    {
        foreach (IGrouping<EngineId, Request>? group in pulses.GroupBy(p => p.Engine).OrderBy(g => g.Key))
        {
            EngineId engine = group.Key;
            var track = new TraceTrack(HeartbeatTrackBase + (int)engine, $"{engine.Name()} heartbeat", (int)engine * 10 + 1, TrackKind.Heartbeat, engine);
            _tracks.Add(track);
            TraceSlice[] slices = group.Select(p =>
            {
                double startUs = Us(p.CreatedTimestamp);
                double endUs = p.SignalTimestamp != 0 ? Us(p.SignalTimestamp) : _durationUs;
                int status = p.Status;
                return new TraceSlice(track.Id, TraceSliceKind.Pulse, status < 0 ? $"pulse {StatusText(status)}" : "pulse", "heartbeat",
                    startUs, Math.Max(0, endUs - startUs), new Dictionary<string, object>
                    {
                        ["seqno"] = (long)p.Seqno,
                        ["status"] = StatusText(status),
                        ["priority"] = p.Priority,
                    });
            }).OrderBy(s => s.StartUs).ToArray();
            AddWithLanes(track, slices);
        }
    }

    /// <summary>The outcome of a request with final <paramref name="status"/>.</summary>
    internal static RequestOutcome Outcome(int status, int replays) => status switch
    {
        0 => RequestOutcome.Unsignaled,
        > 0 => replays > 0 ? RequestOutcome.OkReplayed : RequestOutcome.Ok,
        -Errno.EAGAIN => RequestOutcome.Again,
        -Errno.EIO => RequestOutcome.Io,
        _ => RequestOutcome.OtherError,
    };

    /// <summary>"ok", "unsignaled", or "-EIO".</summary>
    internal static string StatusText(int status) => status switch
    {
        0 => "unsignaled",
        > 0 => "ok",
        _ => "-" + Errno.Name(status),
    };

    /// <summary>A request's place on its track; <see cref="End"/> is cut at the next request's start.</summary>
    private sealed record RequestSpan(Request Rq, int Status, bool Ran, long Start)
    {
        public long End { get; set; }
    }
}
