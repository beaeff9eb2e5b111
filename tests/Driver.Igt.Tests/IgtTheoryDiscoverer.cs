using Xunit.Abstractions;
using Xunit.Sdk;

namespace Driver.Igt.Tests;

/// <summary>Makes one <see cref="IgtTestCase"/> per data row of an <see cref="IgtTheoryAttribute"/> theory.</summary>
public sealed class IgtTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    /// <inheritdoc/>
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForDataRow(ITestFrameworkDiscoveryOptions discoveryOptions,
        ITestMethod testMethod, IAttributeInfo theoryAttribute, object[] dataRow) =>
        [new IgtTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, dataRow)];
}
