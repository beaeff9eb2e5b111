using System.Text.Json;
using Driver.Sim.Logging;
using Serilog.Events;
using Serilog.Parsing;

namespace Driver.Sim.Tests.Logging;

/// <summary>--log-format json: one parseable object per event with the kernel-log time, level, engine, message and every property.</summary>
public class JsonLogFormatterTests
{
    private static readonly DateTimeOffset s_start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static LogEvent Event(LogEventLevel level, string template, Exception? e, params (string Name, object Value)[] props) =>
        new(s_start + TimeSpan.FromSeconds(12.3456789), level, e, new MessageTemplateParser().Parse(template),
            props.Select(p => new LogEventProperty(p.Name, new ScalarValue(p.Value))));

    private static JsonElement Format(LogEvent e)
    {
        var w = new StringWriter();
        new JsonLogFormatter(s_start).Format(e, w);
        string text = w.ToString();
        Assert.EndsWith(Environment.NewLine, text);
        Assert.Single(text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public void CarriesTimeLevelEngineMessageAndEveryProperty()
    {
        JsonElement json = Format(Event(LogEventLevel.Warning, "{Context} seqno {Seqno} guilty of the hang: {Errno}", null,
            ("Engine", "rcs0"), ("Context", "hog/ctx1"), ("Seqno", 7u), ("Errno", "EIO")));

        Assert.Equal(12.345679, json.GetProperty("uptime").GetDouble(), 6);
        Assert.Equal("warning", json.GetProperty("level").GetString());
        Assert.Equal("rcs0", json.GetProperty("engine").GetString());
        Assert.Equal("hog/ctx1 seqno 7 guilty of the hang: EIO", json.GetProperty("message").GetString());
        Assert.Equal("{Context} seqno {Seqno} guilty of the hang: {Errno}", json.GetProperty("template").GetString());
        JsonElement props = json.GetProperty("properties");
        Assert.Equal("rcs0", props.GetProperty("Engine").GetString());
        Assert.Equal("hog/ctx1", props.GetProperty("Context").GetString());
        Assert.Equal(7, props.GetProperty("Seqno").GetInt32());
        Assert.Equal("EIO", props.GetProperty("Errno").GetString());
    }

    [Fact]
    public void EventWithoutEngineHasNoEngineFieldAndQuotesAreEscaped()
    {
        JsonElement json = Format(Event(LogEventLevel.Information, "wedging the GPU: {Reason}", null, ("Reason", "a \"quoted\"\nreason")));

        Assert.False(json.TryGetProperty("engine", out _));
        Assert.Equal("information", json.GetProperty("level").GetString());
        Assert.Equal("wedging the GPU: a \"quoted\"\nreason", json.GetProperty("message").GetString());
    }

    [Fact]
    public void ExceptionIsAField()
    {
        JsonElement json = Format(Event(LogEventLevel.Fatal, "hang recovery failed", new InvalidOperationException("boom")));

        Assert.Contains("boom", json.GetProperty("exception").GetString());
        Assert.Equal("fatal", json.GetProperty("level").GetString());
    }
}
