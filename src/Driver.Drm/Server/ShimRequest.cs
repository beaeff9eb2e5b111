namespace Driver.Drm.Server;

/// <summary>One request from the shim (struct shim_request).</summary>
internal readonly record struct ShimRequest(uint Op, int Pid, int Tid, ulong Token, uint Request, int Fd, ulong Arg, ulong Length, ulong Seq, string Path);
