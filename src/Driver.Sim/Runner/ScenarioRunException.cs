namespace Driver.Sim.Runner;

/// <summary>
/// The driver refused what a scenario set up (a client, a context, an object: "could not X: errno"): a finding about
/// the scenario that <c>gpusim run</c> reports as "the run could not be completed". Its own type so that a fuzzed run
/// (<see cref="Driver.Sim.Fuzz.ScenarioProperty"/>) can accept exactly these and still report any other
/// InvalidOperationException (a collection modified under an enumeration, a broken invariant) as a driver bug.
/// </summary>
public sealed class ScenarioRunException(string message) : InvalidOperationException(message);
