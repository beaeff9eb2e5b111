using Driver.Igt.Subtests;
using Xunit.Abstractions;

namespace Driver.Igt.Tests;

/// <summary>
/// The IGT-style suite as xunit cases, one per subtest of <see cref="IgtSuite.Catalog"/>, run through the same
/// runner as <c>gpusim igt</c>: the subtest must end SUCCESS (or SKIP, whose reason is printed), and the driver must
/// not have warned about anything the subtest did not provoke on purpose.
/// </summary>
[Collection(IgtCollection.Name)]
public sealed class IgtSubtestTests(ITestOutputHelper output)
{
    /// <summary>Every subtest's igt@binary@subtest name.</summary>
    public static TheoryData<string> Subtests => new(IgtSuite.Catalog.Subtests.Select(s => s.FullName));

    [IgtTheory]
    [MemberData(nameof(Subtests))]
    public void Subtest(string name)
    {
        IgtSubtest? subtest = IgtSuite.Catalog.Find(name);
        Assert.NotNull(subtest);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var runner = new IgtRunner(new IgtRunOptions { Progress = false, PerTestTimeout = TimeSpan.FromSeconds(60) }, stdout, stderr);
        IgtTestRecord record = runner.Run([subtest]).Records.Single();
        output.WriteLine(stdout.ToString());
        if (stderr.ToString().Length > 0)
        {
            output.WriteLine(stderr.ToString());
        }

        Assert.True(record.Result is IgtResult.Success or IgtResult.Skip,
            $"{name}: {IgtRunner.Word(record.Result)}\n{stdout}\n{stderr}");
        foreach (IgtTestRecord r in record.SelfAndDynamic)
        {
            Assert.True(r.DmesgWarnings == 0, $"{r.Name}: {r.DmesgWarnings} unexpected driver warnings (dmesg-warn)\n{r.Dmesg}");
        }
    }
}
