using Driver.Core.Errors;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Reset.Bans;
using Serilog;

namespace Driver.Reset.Recovery;

public sealed partial class GtReset
{
    /// <summary>
    /// Decides every request's fate after an engine was reset (execlists_reset_rewind / __i915_request_reset), with
    /// the engine parked:
    /// <list type="bullet">
    /// <item>the active request that had started is guilty when the engine was <paramref name="stalled"/> (hung):
    /// -EIO, payload skipped, replayed so its breadcrumb is still written and its fence signals; otherwise it is an
    /// innocent victim: -EAGAIN (non-fatal) and replayed from its start;</item>
    /// <item>requests that had not started are replayed untouched;</item>
    /// <item>requests of a banned context are skipped with -EIO.</item>
    /// </list>
    /// </summary>
    private void Rewind(Engine engine, bool stalled)
    {
        Request? active = engine.Active;
        List<Request> requests = engine.TakeAllRequests();
        var replay = new List<Request>(requests.Count);
        ILogger log = _log.ForContext("Engine", engine.Name);
        foreach (Request rq in requests)
        {
            if (rq.IsSignaled)
            {
                continue;
            }

            if (rq.IsCompleted)
            {
                // Already complete (the engine wrote its seqno, or a nop/preemption path completed it on the CPU):
                // just make sure it is signalled.
                Engine.CompleteOnCpu(rq);
                continue;
            }
            if (rq == active && rq.Started && !rq.IsPulse)
            {
                if (stalled)
                {
                    rq.Guilty = true;
                    rq.SetErrorOnce(-Errno.EIO);
                    rq.Skip = true;
                    log.Information("{Context} seqno {Seqno} guilty of the hang: {Errno}", rq.Context.ToString(), rq.Seqno, Errno.Name(-Errno.EIO));
                    if (Bans.MarkGuilty(rq.Context))
                    {
                        log.Information("context {Context} banned after hang on {Engine}", rq.Context.ToString(), engine.Name);
                    }
                }
                else
                {
                    rq.SetErrorOnce(-Errno.EAGAIN);
                    BanPolicy.MarkInnocent(rq.Context);
                    log.Information("{Context} seqno {Seqno} innocent, replayed: {Errno}", rq.Context.ToString(), rq.Seqno, Errno.Name(-Errno.EAGAIN));
                }
            }
            if (rq.Context.IsBanned && !rq.IsPulse)
            {
                rq.SetErrorOnce(-Errno.EIO);
                rq.Skip = true;
            }
            rq.ResumeAddress = 0;
            rq.Replays++;
            replay.Add(rq);
        }
        if (replay.Count > 0)
        {
            log.Debug("replaying {Count} requests", replay.Count);
        }

        engine.Replay(replay);
        // The rest were signalled above: the engine may count them done (not earlier, or it would look idle while
        // the rewind is still deciding guilt).
        engine.RetireTaken(requests.Count - replay.Count);
    }
}
