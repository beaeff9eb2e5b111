using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Reset.Bans;
using Serilog;

namespace Driver.Reset.Recovery;

public sealed partial class GtReset : IRequestReset
{
    /// <summary>
    /// __i915_request_reset: the fate of the request an engine was executing when it was reset, decided for the
    /// engine's rewind (<see cref="Engine.ResetRewind"/>), which owns the queues and replays the request afterwards.
    /// Guilty (the engine hung): -EIO, payload skipped, the context marked guilty (and banned on its third hang, or
    /// its first if unrecoverable: <see cref="BanPolicy.MarkGuilty"/>). Innocent (another engine hung): -EAGAIN,
    /// replayed from its start.
    /// </summary>
    void IRequestReset.ResetRequest(Request rq, bool guilty)
    {
        System.Diagnostics.Debug.Assert(rq.Started && !rq.IsCompleted, $"{rq} judged by a rewind without having started, or already complete");
        ILogger log = _log.ForContext("Engine", rq.Engine.Name());
        if (guilty)
        {
            rq.Guilty = true;
            rq.SetErrorOnce(-Errno.EIO);
            rq.Skip = true;
            log.Information("{Context} seqno {Seqno} guilty of the hang: {Errno}", rq.Context.ToString(), rq.Seqno, Errno.Name(-Errno.EIO));
            if (Bans.MarkGuilty(rq.Context, rq.Engine))
            {
                log.Information("context {Context} banned after hang on {Engine}", rq.Context.ToString(), rq.Engine.Name());
            }
        }
        else
        {
            rq.SetErrorOnce(-Errno.EAGAIN);
            BanPolicy.MarkInnocent(rq.Context);
            log.Information("{Context} seqno {Seqno} innocent, replayed: {Errno}", rq.Context.ToString(), rq.Seqno, Errno.Name(-Errno.EAGAIN));
        }
    }
}
