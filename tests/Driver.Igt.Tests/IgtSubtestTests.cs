using Driver.Igt.Subtests;
using Xunit.Abstractions;

namespace Driver.Igt.Tests;

/// <summary>
/// The IGT-style suite as xunit cases, one per subtest of <see cref="IgtSuite.Catalog"/>, run through the same
/// runner as <c>gpusim igt</c>: the subtest and each of its dynamic subtests must end SUCCESS, and the driver must
/// not have warned about anything the subtest did not provoke on purpose. A SKIP is a failure (a subtest that found
/// nothing to test passes vacuously), except for the subtests in <see cref="s_mayRunOutOfTime"/>.
/// </summary>
[Collection(IgtCollection.Name)]
public sealed class IgtSubtestTests(ITestOutputHelper output)
{
    /// <summary>
    /// Subtests whose requirement depends on the machine's speed: the gem_eio stress loops judge their wake-up
    /// statistics only after 9 resets per engine within 20 s (as IGT does), and skip on a machine too slow for that.
    /// </summary>
    private static readonly HashSet<string> s_mayRunOutOfTime = ["igt@gem_eio@reset-stress", "igt@gem_eio@unwedge-stress"];

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

        foreach (IgtTestRecord r in record.SelfAndDynamic)
        {
            bool ok = r.Result == IgtResult.Success || (r.Result == IgtResult.Skip && s_mayRunOutOfTime.Contains(name));
            Assert.True(ok, $"{r.Name}: {IgtRunner.Word(r.Result)} (a skip tests nothing)\n{stdout}\n{stderr}");
            Assert.True(r.DmesgWarnings == 0, $"{r.Name}: {r.DmesgWarnings} unexpected driver warnings (dmesg-warn)\n{r.Dmesg}");
        }
    }
}
