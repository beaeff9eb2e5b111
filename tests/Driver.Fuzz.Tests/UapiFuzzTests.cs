using CsCheck;
using Driver.Core.Fences;
using Driver.Core.Requests;
using Driver.Uapi;
using Xunit.Abstractions;

namespace Driver.Fuzz.Tests;

/// <summary>
/// Random uAPI call sequences from several threads over shared clients (<see cref="UapiProperty"/>): invalid handles,
/// flags, offsets and sizes; closes and destroys racing execbufs and waits; contexts closed with work pending;
/// hanging and faulting spinners so resets happen. No call throws or returns a positive value, every fence signals
/// once with its error first, no lock-validator report, and the device still works. Budget and replay as
/// <see cref="BatchFuzzTests"/>.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class UapiFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void ContextParamCallsReachEveryParameterTheDriverHasAndAnInvalidOne()
    {
        // i915_gem_context_setparam_ioctl / ctx_setparam: each parameter has its own path (the ban flag, the priority
        // a request takes when built, the recoverable flag, persistence deciding what closing the context kills).
        // A CONTEXT_SETPARAM fuzzer that names only unknown parameters tests the -EINVAL switch default and none of
        // them racing execbufs, resets and closes.
        UapiOp[] ops = UapiGenerators.Op.Array[4000].Generate(new PCG(1, 1), null, out _);
        var named = new Dictionary<UapiOpKind, HashSet<ContextParam>>
        {
            [UapiOpKind.SetParam] = [],
            [UapiOpKind.GetParam] = [],
        };
        foreach (UapiOp op in ops.Where(o => named.ContainsKey(o.Kind)))
        {
            named[op.Kind].Add(UapiProperty.ParamOf(op));
        }

        foreach ((UapiOpKind kind, HashSet<ContextParam> seen) in named)
        {
            foreach (ContextParam param in Enum.GetValues<ContextParam>())
            {
                Assert.True(seen.Contains(param), $"{kind} never names {param} in 4000 generated calls (named: {string.Join(", ", seen)})");
            }

            Assert.Contains(seen, p => !Enum.IsDefined(p));
        }
    }

    [Fact]
    public void AClientsFirstGeneratedExecbufFindsAnObjectAndRuns()
    {
        // i915_gem_do_execbuffer looks the batch handle up first (eb_lookup_vmas: -ENOENT for one never created). The
        // fuzz world gives each client an object up front, as a real client has its batch: otherwise most generated
        // execbufs were refused ENOENT (131 of 237 measured, 8 accepted in 60 cases) and few batches ever ran.
        using var dev = new GpuDevice(BatchProperty.Config);
        var world = new UapiWorld(dev, UapiGenerators.ClientSlots);
        int client = world.Client(0);

        int rc = dev.Execbuf(new ExecbufArgs { Client = client, Context = world.Context(0, 0), Engine = 0, BatchHandle = world.Handle(0, 0) }, out DmaFence? fence);

        Assert.Equal(0, rc);
        Assert.True(fence!.Wait(TimeSpan.FromSeconds(10)), "the batch's fence did not signal within 10 s");
        // Executed: the engine began it (the zeroed object runs off its end and ends in an error, which is the
        // fuzzer's business; reaching the engine is what this checks).
        Assert.NotEqual(0, Assert.IsType<Request>(fence).StartedTimestamp);
    }

    [Fact]
    public void RandomConcurrentUapiCallsKeepEveryFenceHonestAndTheDeviceWorking()
    {
        FuzzBudget budget = FuzzBudget.FromEnvironment(seconds: 10, maxCases: 60) with { RequireExecution = true };
        output.WriteLine($"uapi: seed {budget.Seed} (set {FuzzBudget.SeedVariable} to repeat)");
        FuzzReport report = FuzzRunner.Run("uapi", UapiGenerators.Case, UapiProperty.Run, c => c.ToString(), budget);
        output.WriteLine(report.Summary);
        Assert.True(report.Passed, $"{report.Summary}{Environment.NewLine}{report.Failure}");
    }
}
