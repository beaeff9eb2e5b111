using System.Runtime.CompilerServices;

namespace Driver.Igt;

public sealed partial class IgtContext
{
    /// <summary>Skips the subtest unless <paramref name="condition"/> holds (igt_require).</summary>
    public void Require(bool condition, [CallerArgumentExpression(nameof(condition))] string expression = "",
        [CallerMemberName] string function = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (!condition)
        {
            throw new IgtSkipException(IgtLocation.From(function, file, line), expression, null);
        }
    }

    /// <summary>Skips with an explanation unless <paramref name="condition"/> holds (igt_require_f).</summary>
    public void RequireF(bool condition, string message, [CallerArgumentExpression(nameof(condition))] string expression = "",
        [CallerMemberName] string function = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (!condition)
        {
            throw new IgtSkipException(IgtLocation.From(function, file, line), expression, message);
        }
    }

    /// <summary>Skips when <paramref name="condition"/> holds (igt_skip_on).</summary>
    public void SkipOn(bool condition, [CallerArgumentExpression(nameof(condition))] string expression = "",
        [CallerMemberName] string function = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (condition)
        {
            throw new IgtSkipException(IgtLocation.From(function, file, line), $"!({expression})", null);
        }
    }

    /// <summary>Fails the subtest unless <paramref name="condition"/> holds (igt_assert).</summary>
    public void Assert(bool condition, [CallerArgumentExpression(nameof(condition))] string expression = "",
        [CallerMemberName] string function = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (!condition)
        {
            throw Failure(function, file, line, expression);
        }
    }

    /// <summary>Fails with a message unless <paramref name="condition"/> holds (igt_assert_f).</summary>
    public void AssertF(bool condition, string message, [CallerArgumentExpression(nameof(condition))] string expression = "",
        [CallerMemberName] string function = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (!condition)
        {
            throw Failure(function, file, line, expression, message);
        }
    }

    /// <summary>Fails unless <paramref name="a"/> == <paramref name="b"/> (igt_assert_eq).</summary>
    public void AssertEq(long a, long b, [CallerArgumentExpression(nameof(a))] string ea = "", [CallerArgumentExpression(nameof(b))] string eb = "",
        [CallerMemberName] string function = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (a != b)
        {
            throw Failure(function, file, line, $"{ea} == {eb}", $"error: {a} != {b}");
        }
    }

    /// <summary>Fails unless <paramref name="a"/> == <paramref name="b"/>, printed in hex (igt_assert_eq_u32).</summary>
    public void AssertEqU32(uint a, uint b, [CallerArgumentExpression(nameof(a))] string ea = "", [CallerArgumentExpression(nameof(b))] string eb = "",
        [CallerMemberName] string function = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (a != b)
        {
            throw Failure(function, file, line, $"{ea} == {eb}", $"error: 0x{a:x} != 0x{b:x}");
        }
    }

    /// <summary>Fails unless <paramref name="a"/> != <paramref name="b"/> (igt_assert_neq).</summary>
    public void AssertNeq(long a, long b, [CallerArgumentExpression(nameof(a))] string ea = "", [CallerArgumentExpression(nameof(b))] string eb = "",
        [CallerMemberName] string function = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (a == b)
        {
            throw Failure(function, file, line, $"{ea} != {eb}", $"error: {a} == {b}");
        }
    }

    /// <summary>Fails unless <paramref name="a"/> &lt; <paramref name="b"/> (igt_assert_lt).</summary>
    public void AssertLt(long a, long b, [CallerArgumentExpression(nameof(a))] string ea = "", [CallerArgumentExpression(nameof(b))] string eb = "",
        [CallerMemberName] string function = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (a >= b)
        {
            throw Failure(function, file, line, $"{ea} < {eb}", $"error: {a} >= {b}");
        }
    }

    /// <summary>Fails unless <paramref name="a"/> &lt;= <paramref name="b"/> (igt_assert_lte).</summary>
    public void AssertLte(long a, long b, [CallerArgumentExpression(nameof(a))] string ea = "", [CallerArgumentExpression(nameof(b))] string eb = "",
        [CallerMemberName] string function = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (a > b)
        {
            throw Failure(function, file, line, $"{ea} <= {eb}", $"error: {a} > {b}");
        }
    }

    /// <summary>Fails the subtest (igt_fail / igt_assert_f(false, ...)).</summary>
    public void Fail(string message, [CallerMemberName] string function = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        throw Failure(function, file, line, "false", message);

    /// <summary>Skips the subtest (igt_skip).</summary>
    public void Skip(string message, [CallerMemberName] string function = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        throw new IgtSkipException(IgtLocation.From(function, file, line), "false", message);

    private static IgtFailException Failure(string function, string file, int line, string assertion, params string[] details) =>
        new(IgtLocation.From(function, file, line), assertion, details);
}
