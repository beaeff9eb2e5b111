using Xunit.Sdk;

namespace Driver.Igt.Tests;

/// <summary>A theory whose data rows are IGT subtest names, each case displayed under that name ("igt@binary@subtest").</summary>
[XunitTestCaseDiscoverer("Driver.Igt.Tests.IgtTheoryDiscoverer", "Driver.Igt.Tests")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class IgtTheoryAttribute : TheoryAttribute;
