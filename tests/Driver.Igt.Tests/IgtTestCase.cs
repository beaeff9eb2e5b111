using Xunit.Abstractions;
using Xunit.Sdk;

namespace Driver.Igt.Tests;

/// <summary>A theory case displayed as its first argument: the subtest's igt@binary@subtest name.</summary>
public sealed class IgtTestCase : XunitTestCase
{
    /// <summary>For the deserializer.</summary>
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes", error: true)]
    public IgtTestCase() { }

    /// <summary>Creates the case.</summary>
    public IgtTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod method, object[] arguments)
        : base(sink, display, options, method, arguments) { }

    /// <inheritdoc/>
    protected override string GetDisplayName(IAttributeInfo factAttribute, string displayName) =>
        TestMethodArguments is [string name, ..] ? name : base.GetDisplayName(factAttribute, displayName);
}
