using Driver.Sim.Results;
using Driver.Sim.Runner;
using Driver.Sim.Scenarios;
using Driver.Sim.Scenarios.Model;
using Driver.Sim.Tests.Scenarios;
using Driver.Sim.Tracing;

namespace Driver.Sim.Tests.Tracing;

/// <summary>One traced run of the shipped hang-engine-reset scenario, shared by the trace and timeline tests.</summary>
public sealed class HangEngineResetTrace
{
    public HangEngineResetTrace()
    {
        Scenario scenario = ScenarioLoader.LoadFile(ScenarioFiles.Path("hang-engine-reset"));
        var recorder = new TraceRecorder();
        Result = new ScenarioRunner(scenario, new RunOptions { Trace = recorder }).Run();
        Model = recorder.Build(Result.Scenario, Result.Seed);
        Json = ChromeTraceWriter.ToJson(Model);
        Svg = SvgTimelineWriter.ToSvg(Model);
    }

    /// <summary>The run's results.</summary>
    public RunResult Result { get; }

    /// <summary>The trace.</summary>
    public TraceModel Model { get; }

    /// <summary>The trace as Chrome JSON.</summary>
    public string Json { get; }

    /// <summary>The trace as an SVG timeline.</summary>
    public string Svg { get; }
}
