namespace Driver.Drm.Tests.Server;

/// <summary>Builds Native/udev_monitor.c (linked against the system's libudev) once.</summary>
internal static class UdevClient
{
    private static readonly Lazy<string> s_binary = new(Compile);

    /// <summary>The compiled client.</summary>
    public static string Binary => s_binary.Value;

    /// <summary>Why the libudev end-to-end test cannot run here, or null.</summary>
    public static string? SkipReason =>
        ShimClient.SkipReason ?? (File.Exists("/usr/include/libudev.h") ? null : "libudev.h is not installed (libudev-dev): the udev client cannot be built");

    private static string Compile()
    {
        string dir = Directory.CreateTempSubdirectory("gpusim-udev-client-").FullName;
        string output = Path.Combine(dir, "udev_monitor");
        string source = Path.Combine(AppContext.BaseDirectory, "Native", "udev_monitor.c");
        (int code, string text) = ShimClient.RunTool("cc", ["-std=c11", "-Wall", "-Wextra", "-Werror", "-o", output, source, "-ludev"]);
        Assert.True(code == 0, $"cc failed: {text}");
        return output;
    }
}
