using Driver.Core.Hw;
using Driver.Reset.Capture;

namespace Driver.Reset.Tests.Capture;

/// <summary>
/// The error state's text format, as i915_gpu_error.c writes it: ascii85 as include/linux/ascii85.h's
/// ascii85_encode (a zero dword is "z", any other five digits '!'..'u', most significant first), objects as
/// intel_gpu_error_print_vma prints them (a ':' marker then the zlib stream of compress_page/compress_flush, padded
/// to whole dwords), and the header and engine lines of __err_print_to_sgl, err_print_pciid and error_print_engine.
/// </summary>
public class ErrorStateFormatTests
{
    [Theory]
    [InlineData(0u, "z")]
    [InlineData(1u, "!!!!\"")]
    [InlineData(0x4d616e20u, "9jqo^")] // "Man " as a big-endian word: Adobe's ascii85 example
    [InlineData(0xffffffffu, "s8W-!")]
    public void Ascii85EncodesADwordAsTheKernelDoes(uint value, string expected)
    {
        Assert.Equal(expected, Ascii85.Encode(value));
        Assert.Equal([value], Ascii85.Decode(expected));
    }

    [Fact]
    public void Ascii85RoundTripsBytesAsLittleEndianDwords()
    {
        byte[] bytes = [0x20, 0x6e, 0x61, 0x4d, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x01];
        string text = Ascii85.Encode(bytes);

        Assert.Equal("9jqo^zs8W-!!!!!\"", text);
        Assert.Equal([0x4d616e20u, 0u, 0xffffffffu, 1u], Ascii85.Decode(text));
    }

    [Fact]
    public void Ascii85RejectsATruncatedGroup() =>
        Assert.Throws<FormatException>(() => Ascii85.Decode("9jq"));

    [Fact]
    public void ObjectLineIsAZlibStreamBehindTheCompressionMarkerAndRoundTrips()
    {
        uint[] batch = new uint[1024];
        batch[0] = 0x10000001;
        batch[1] = 0xcf00;
        batch[2] = 1;
        batch[9] = 0x18800000;
        batch[10] = 0xc00c;

        string line = ErrorObjectCodec.Encode(batch);

        Assert.StartsWith(":", line);
        Assert.DoesNotContain('\n', line);
        Assert.True(line.Length < 200, $"4 KiB of mostly zeros should compress well, got {line.Length} characters");
        // The first dword is the zlib header, CMF 0x78 in its low byte as read little-endian.
        Assert.Equal(0x78u, Ascii85.Decode(line.AsSpan(1))[0] & 0xff);
        Assert.Equal(batch, ErrorObjectCodec.Decode(line));
    }

    [Fact]
    public void UncompressedObjectLinesDecodeToo() =>
        Assert.Equal([5u, 0u], ErrorObjectCodec.Decode("~" + Ascii85.Encode(5) + "z"));

    [Fact]
    public void TextFollowsI915sLayout()
    {
        var rq = new CapturedRequest("hog/ctx1", 7, 0xc000, 0, true) { FenceContext = 3, Pid = 2, Priority = 0 };
        var engine = new EngineErrorState("rcs0", 0xc024, rq, 0xc000, 0xc000, [0x10000001, 0xcf00, 1, 0x05000000], null, [])
        {
            Class = EngineClass.Render,
            Start = 0xc000,
            Ctl = 1,
            Ipehr = 0x18800000,
            EngineResetCount = 4,
            Context = new CapturedContext("hog", 2, 0, 1, 0, 6),
        };
        var state = new GpuErrorState(1, DateTime.UnixEpoch.AddSeconds(12).AddTicks(345 * TimeSpan.TicksPerMicrosecond),
            "preemption time out", EngineId.Rcs0.Mask(), "hog/ctx1", [engine])
        {
            Boottime = TimeSpan.FromSeconds(100),
            Uptime = TimeSpan.FromMilliseconds(1500),
            CaptureJiffies = 100_000,
            EpochJiffies = 99_500,
            ResetCount = 3,
            Kernel = "gpusim-test x86_64",
        };

        string[] lines = state.ToText(nowJiffies: 100_250).Split('\n');

        // error_msg: "GPU HANG: ecode <gen>:<hung uabi classes>:<IPEHR ^ INSTDONE>" (generate_ecode), then the process.
        Assert.Equal("GPU HANG: ecode 9:1:e77fffff, in hog [2], preemption time out", lines[0]);
        Assert.Equal("Kernel: gpusim-test x86_64", lines[1]);
        Assert.Equal("Time: 12 s 345 us", lines[2]);
        Assert.Equal("Boottime: 100 s 0 us", lines[3]);
        Assert.Equal("Uptime: 1 s 500000 us", lines[4]);
        Assert.Equal("Epoch: 99500 jiffies (1000 HZ)", lines[5]);
        Assert.Equal("Capture: 100000 jiffies; 250 ms ago, 500 ms after epoch", lines[6]);
        Assert.Equal("Active process (on ring rcs0): hog [2]", lines[7]);
        Assert.Contains("Reset count: 3", lines);
        Assert.Contains("PCI ID: 0x1912", lines);
        int cs = Array.IndexOf(lines, "rcs0 command stream:");
        Assert.True(cs > 0);
        Assert.Equal("  START: 0x0000c000", lines[cs + 1]);
        Assert.Equal("  HEAD:  0x00000024 [0x00000000]", lines[cs + 2]);
        Assert.StartsWith("  TAIL:  0x", lines[cs + 3]);
        Assert.Equal("  CTL:   0x00000001", lines[cs + 4]);
        Assert.Contains("  ACTHD: 0x00000000 0000c024", lines);
        Assert.Contains("  IPEIR: 0x00000000", lines);
        Assert.Contains("  IPEHR: 0x18800000", lines);
        Assert.Contains("  ESR:   0x00000000", lines);
        Assert.Contains("  INSTDONE: 0xffffffff", lines);
        Assert.Contains("  batch: [0x00000000_0000c000, 0x00000000_0000c010]", lines);
        Assert.Contains("  engine reset count: 4", lines);
        Assert.Contains("  Active context: hog[2] prio 0, guilty 1 active 0", lines);
        int vma = Array.IndexOf(lines, "rcs0 --- batch = 0x00000000 0000c000");
        Assert.True(vma > cs);
        Assert.Equal(engine.BatchDwords, ErrorObjectCodec.Decode(lines[vma + 1]));
        Assert.Equal("", lines[^1]);
    }
}
