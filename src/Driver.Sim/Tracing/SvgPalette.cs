namespace Driver.Sim.Tracing;

/// <summary>Colours and names of the SVG timeline: request outcomes and recovery marks.</summary>
internal static class SvgPalette
{
    /// <summary>Fill colour of a request bar.</summary>
    public static string Fill(RequestOutcome outcome) => outcome switch
    {
        RequestOutcome.Ok => "#43a047",
        RequestOutcome.OkReplayed => "#1e88e5",
        RequestOutcome.Again => "#fb8c00",
        RequestOutcome.Io => "#e53935",
        RequestOutcome.OtherError => "#6d4c41",
        _ => "#bdbdbd",
    };

    /// <summary>The class name (and legend text) of an outcome.</summary>
    public static string ClassName(RequestOutcome outcome) => outcome switch
    {
        RequestOutcome.Ok => "ok",
        RequestOutcome.OkReplayed => "ok-replayed",
        RequestOutcome.Again => "eagain",
        RequestOutcome.Io => "eio",
        RequestOutcome.OtherError => "error",
        _ => "unsignaled",
    };

    /// <summary>Legend text of an outcome.</summary>
    public static string Label(RequestOutcome outcome) => outcome switch
    {
        RequestOutcome.Ok => "ok",
        RequestOutcome.OkReplayed => "ok, replayed after a reset",
        RequestOutcome.Again => "-EAGAIN (innocent, replayed)",
        RequestOutcome.Io => "-EIO (guilty / cancelled)",
        RequestOutcome.OtherError => "other error",
        _ => "unsignaled",
    };

    /// <summary>Hang marker.</summary>
    public const string Hang = "#b71c1c";

    /// <summary>Engine reset mark.</summary>
    public const string EngineReset = "#263238";

    /// <summary>Full reset mark.</summary>
    public const string FullReset = "#5e35b1";

    /// <summary>Heartbeat pulse waiting to run.</summary>
    public const string Pulse = "#7b1fa2";

    /// <summary>Wedged period hatching.</summary>
    public const string Wedged = "#424242";
}
