using Xunit.Sdk;

namespace Driver.Tests.Igt;

/// <summary>A theory whose data rows are IGT subtest names, each case displayed under that name ("igt@binary@subtest").</summary>
[XunitTestCaseDiscoverer("Driver.Tests.Igt.IgtTheoryDiscoverer", "Driver.Tests")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class IgtTheoryAttribute : TheoryAttribute;
