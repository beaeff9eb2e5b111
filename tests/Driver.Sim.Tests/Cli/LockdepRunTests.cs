using Driver.Sim.Cli;
using Driver.Sim.Tests.Scenarios;

namespace Driver.Sim.Tests.Cli;

/// <summary><c>gpusim run --lockdep</c>: a hang, an engine reset and a replay with every lock validated, and nothing reported.</summary>
[Collection(ScenarioCollection.Name)]
public sealed class LockdepRunTests
{
    [Fact]
    public void HangScenarioUnderTheValidatorReportsNothing()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = GpusimCli.Run(["run", "--lockdep", "--quiet", "--scenario", ScenarioFiles.Path("hang-engine-reset")], stdout, stderr);
        Assert.True(code == ExitCodes.Ok, stderr.ToString());
        Assert.Contains("Lock validator: 0 report(s)", stdout.ToString());
        Assert.True(Driver.Core.Locking.Lockdep.Enabled);
    }
}
