using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Sim.Scenarios.Model;

namespace Driver.Sim.Scenarios;

/// <summary>
/// Checks what the JSON shape alone cannot: ranges, names that must refer to something (clients, contexts, engines,
/// steps, errno names), uniqueness, and context parameters the device would refuse. Every problem is reported with
/// the JSON path of its field.
/// </summary>
public static class ScenarioValidator
{
    /// <summary>Errno names accepted in expectations.</summary>
    public static IReadOnlyList<string> ErrnoNames { get; } = new[]
    {
        Errno.EPERM, Errno.ENOENT, Errno.EINTR, Errno.EIO, Errno.EAGAIN, Errno.ENOMEM, Errno.EFAULT, Errno.EBUSY,
        Errno.ENODEV, Errno.EINVAL, Errno.ENOSPC, Errno.EDEADLK, Errno.ETIME, Errno.ETIMEDOUT, Errno.ECANCELED,
    }.Select(Errno.Name).ToArray();

    /// <summary>Largest batch count of one step.</summary>
    public const int MaxBatches = 1_000_000;

    /// <summary>Largest number of stores of one step (they all need a verified slot in device memory).</summary>
    public const long MaxStoresPerStep = 4_000_000;

    /// <summary>Returns every problem found; empty when the scenario is valid.</summary>
    public static IReadOnlyList<ScenarioError> Validate(Scenario s)
    {
        var v = new Walker();
        v.Run(s);
        return v.Errors;
    }

    private sealed class Walker
    {
        public List<ScenarioError> Errors { get; } = new();
        private readonly Dictionary<string, HashSet<string>> _contexts = new();
        private readonly HashSet<string> _stepNames = new();
        private readonly Dictionary<string, string> _stepPaths = new(StringComparer.Ordinal);
        private DeviceSpec _device = new();
        private long _memoryNeeded;
        private long _memoryAvailable;

        private void Error(string path, string message) => Errors.Add(new ScenarioError(path, message));

        private void Range(string path, long? value, long min, long max)
        {
            if (value is { } v && (v < min || v > max))
            {
                Error(path, $"must be between {min} and {max} (got {v})");
            }
        }

        private static string Q(string s) => $"'{s}'";

        public void Run(Scenario s)
        {
            if (string.IsNullOrWhiteSpace(s.Name))
            {
                Error("$.name", "must not be empty");
            }

            Range("$.drainTimeoutMs", s.DrainTimeoutMs, 1, 600_000);
            _device = s.Device ?? new DeviceSpec();
            Device("$.device", _device);
            // What the batches steps may allocate: device memory, and the GGTT they are all bound into at once.
            var defaults = new Driver.Engines.Gt.GtConfig();
            long memory = _device.MemoryMb is { } mb ? (long)mb << 20 : defaults.MemoryBytes;
            _memoryAvailable = Math.Min(memory, defaults.GgttBytes) / 10 * 9;
            if (s.Clients.Count == 0)
            {
                Error("$.clients", "at least one client is needed");
            }

            for (int i = 0; i < s.Clients.Count; i++)
            {
                Client($"$.clients[{i}]", s.Clients[i]);
            }

            Sharing(s);
            if (s.Phases.Count == 0)
            {
                Error("$.phases", "at least one phase is needed");
            }

            for (int i = 0; i < s.Phases.Count; i++)
            {
                Phase($"$.phases[{i}]", s.Phases[i]);
            }

            UnnamedStepNames(s);

            if (s.Expect is { } e)
            {
                Expect("$.expect", e);
                if ((e.Deadlocks is not null || e.DeadlockReport is not null) && s.DeadlockWatchdogMs is null)
                {
                    Error(e.Deadlocks is not null ? "$.expect.deadlocks" : "$.expect.deadlockReport",
                        "deadlock expectations need the watchdog: set deadlockWatchdogMs");
                }
            }
        }

        private readonly Dictionary<string, string> _sharedBuffers = new(StringComparer.Ordinal);
        private bool _hasPeer;

        /// <summary>The peer device, the shared buffers and the deadlock watchdog.</summary>
        private void Sharing(Scenario s)
        {
            Range("$.deadlockWatchdogMs", s.DeadlockWatchdogMs, 10, 600_000);
            if (s.Peer is { } peer)
            {
                _hasPeer = true;
                Device("$.peer", peer);
                if (peer.Engines?.Values.Any(e => e?.Backend == EngineBackendName.Vulkan) == true)
                {
                    Error("$.peer.engines", "the peer device runs simulated engines only (no \"backend\": \"vulkan\")");
                }
            }

            for (int i = 0; i < (s.SharedBuffers?.Count ?? 0); i++)
            {
                string path = $"$.sharedBuffers[{i}]";
                SharedBufferSpec? b = s.SharedBuffers![i];
                if (!NotNull(path, b))
                {
                    continue;
                }

                if (!_hasPeer)
                {
                    Error(path, "a shared buffer is imported by the peer device: add \"peer\"");
                }

                if (string.IsNullOrWhiteSpace(b!.Name))
                {
                    Error($"{path}.name", "must not be empty");
                }
                else if (!_sharedBuffers.TryAdd(b.Name, b.Client))
                {
                    Error($"{path}.name", $"duplicate shared buffer name {Q(b.Name)}");
                }

                if (!_contexts.ContainsKey(b.Client))
                {
                    Error($"{path}.client", $"unknown client {Q(b.Client)}");
                }

                Range($"{path}.size", b.Size, 1, 64 << 20);
            }
        }

        private void Device(string p, DeviceSpec d)
        {
            Range($"{p}.heartbeatMs", d.HeartbeatMs, 0, 600_000);
            Range($"{p}.preemptTimeoutMs", d.PreemptTimeoutMs, 0, 600_000);
            Range($"{p}.timesliceMs", d.TimesliceMs, 0, 600_000);
            Range($"{p}.banWindowMs", d.BanWindowMs, 0, 3_600_000);
            Range($"{p}.hangsToBan", d.HangsToBan, 1, 100);
            Range($"{p}.wedgeTimeoutMs", d.WedgeTimeoutMs, 1, 600_000);
            Range($"{p}.memoryMb", d.MemoryMb, 16, 2048);
            Range($"{p}.vkDevice", d.VkDevice, 0, 63);
            if (d.Name is { } deviceName && string.IsNullOrWhiteSpace(deviceName))
            {
                Error($"{p}.name", "must not be empty");
            }

            foreach ((string? name, EngineSpec? engine) in d.Engines ?? [])
            {
                if (!EngineIds.TryParse(name, out _))
                {
                    Error($"{p}.engines.{name}", $"unknown engine {Q(name)}; engines are {string.Join(", ", EngineIds.All.Select(e => e.Name()))}");
                    continue;
                }
                if (!NotNull($"{p}.engines.{name}", engine))
                {
                    continue;
                }

                Range($"{p}.engines.{name}.vkTimeoutMs", engine.VkTimeoutMs, 1, 600_000);
                if (engine.VkTimeoutMs is not null && engine.Backend != EngineBackendName.Vulkan)
                {
                    Error($"{p}.engines.{name}.vkTimeoutMs", "only applies to an engine with \"backend\": \"vulkan\"");
                }
            }
        }

        private void Client(string path, ClientSpec c)
        {
            if (string.IsNullOrWhiteSpace(c.Name)) { Error($"{path}.name", "must not be empty"); return; }
            if (_contexts.ContainsKey(c.Name)) { Error($"{path}.name", $"duplicate client name {Q(c.Name)}"); return; }
            var names = new HashSet<string> { "default" };
            _contexts[c.Name] = names;
            bool seenDefault = false;
            for (int i = 0; i < c.Contexts.Count; i++)
            {
                ContextSpec ctx = c.Contexts[i];
                string p = $"{path}.contexts[{i}]";
                if (string.IsNullOrWhiteSpace(ctx.Name)) { Error($"{p}.name", "must not be empty"); continue; }
                bool isDefault = ctx.Name == "default";
                if (isDefault ? seenDefault : !names.Add(ctx.Name))
                {
                    Error($"{p}.name", $"duplicate context name {Q(ctx.Name)} in client {Q(c.Name)}");
                }

                seenDefault |= isDefault;
                Range($"{p}.priority", ctx.Priority, -1023, 1023);
                if (ctx.Priority > 0 && !c.Privileged)
                {
                    Error($"{p}.priority", "a priority above 0 needs a privileged client (EPERM)");
                }

                if (ctx.Bannable == false && !c.Privileged)
                {
                    Error($"{p}.bannable", "an unbannable context needs a privileged client (EPERM)");
                }

                if (ctx.Persistent == false && _device.EngineReset == false)
                {
                    Error($"{p}.persistent", "a non-persistent context needs engine reset (ENODEV)");
                }
            }
        }

        private void Phase(string path, PhaseSpec p)
        {
            if (p.Steps.Count == 0)
            {
                Error($"{path}.steps", "at least one step is needed");
            }

            for (int i = 0; i < p.Steps.Count; i++)
            {
                Step($"{path}.steps[{i}]", p.Steps[i]);
            }
        }

        /// <summary>
        /// ScenarioRunner names an unnamed step "phase&lt;p&gt;.&lt;type&gt;&lt;s&gt;" in the results: a step given the same
        /// name explicitly would make two workloads of one name, and expect.workloads would check the first of them.
        /// </summary>
        private void UnnamedStepNames(Scenario s)
        {
            for (int p = 0; p < s.Phases.Count; p++)
            {
                IReadOnlyList<StepSpec> steps = s.Phases[p]?.Steps ?? [];
                for (int i = 0; i < steps.Count; i++)
                {
                    if (steps[i] is { Name: null } step && _stepPaths.TryGetValue($"phase{p + 1}.{step.Kind}{i + 1}", out string? named))
                    {
                        Error(named, $"duplicate step name {Q($"phase{p + 1}.{step.Kind}{i + 1}")}: the results name the unnamed step $.phases[{p}].steps[{i}] so");
                    }
                }
            }
        }

        private void Step(string path, StepSpec step)
        {
            if (step.Name is { } name)
            {
                if (string.IsNullOrWhiteSpace(name))
                {
                    Error($"{path}.name", "must not be empty");
                }
                else if (!_stepNames.Add(name))
                {
                    Error($"{path}.name", $"duplicate step name {Q(name)}");
                }
                else
                {
                    _stepPaths[name] = $"{path}.name";
                }
            }
            switch (step)
            {
                case BatchesStep b:
                    ClientContext(path, b.Client, b.Context);
                    Range($"{path}.count", b.Count, 1, MaxBatches);
                    Range($"{path}.storesPerBatch", b.StoresPerBatch, 0, 64);
                    Range($"{path}.workNs", b.WorkNs, 0, 100_000_000);
                    Range($"{path}.maxInFlight", b.MaxInFlight, 0, MaxBatches);
                    if ((long)b.Count * b.StoresPerBatch > MaxStoresPerStep)
                    {
                        Error($"{path}.count", $"count × storesPerBatch must be at most {MaxStoresPerStep}");
                    }

                    int engines = Engines($"{path}.engines", b.Engines);
                    _memoryNeeded += BatchesMemory(b);
                    if (_memoryNeeded > _memoryAvailable)
                    {
                        Error($"{path}.count", $"the batches steps so far need about {_memoryNeeded >> 20} MiB of device memory; " +
                            $"{_memoryAvailable >> 20} MiB are usable (raise device.memoryMb, up to 1024 useful)");
                    }

                    if (b.DependsOnPrevious == Dependency.CrossEngine && engines == 1)
                    {
                        Error($"{path}.dependsOnPrevious", "\"cross-engine\" needs at least two engines");
                    }

                    break;
                case HangStep h:
                    ClientContext(path, h.Client, h.Context);
                    Engine($"{path}.engine", h.Engine);
                    Range($"{path}.count", h.Count, 1, 100);
                    Range($"{path}.endAfterMs", h.EndAfterMs, 1, 600_000);
                    if (h.Spinner == SpinnerKind.Plain && h.EndAfterMs is null)
                    {
                        Error($"{path}.endAfterMs", "a \"plain\" spinner is never reset, so it needs endAfterMs");
                    }

                    for (int i = 0; i < (h.Objects?.Count ?? 0); i++)
                    {
                        string o = h.Objects![i];
                        if (!_sharedBuffers.TryGetValue(o ?? "", out string? owner))
                        {
                            Error($"{path}.objects[{i}]", $"unknown shared buffer {Q(o ?? "null")} (declare it in sharedBuffers)");
                        }
                        else if (owner != h.Client)
                        {
                            Error($"{path}.objects[{i}]", $"shared buffer {Q(o!)} belongs to client {Q(owner)}, not {Q(h.Client)}: handles are per client");
                        }
                    }

                    break;
                case ResetStep r:
                    Engines($"{path}.engines", r.Engines);
                    break;
                case SetDomainStep d:
                    if (d.Device is not ("device" or "peer"))
                    {
                        Error($"{path}.device", $"must be \"device\" or \"peer\" (got {Q(d.Device ?? "null")})");
                    }
                    else if (d.Device == "peer" && !_hasPeer)
                    {
                        Error($"{path}.device", "there is no peer device: add \"peer\"");
                    }

                    if (!_sharedBuffers.ContainsKey(d.Buffer ?? ""))
                    {
                        Error($"{path}.buffer", $"unknown shared buffer {Q(d.Buffer ?? "null")} (declare it in sharedBuffers)");
                    }

                    Range($"{path}.timeoutMs", d.TimeoutMs, 1, 600_000);
                    break;
                case SleepStep sl:
                    Range($"{path}.ms", sl.Ms, 0, 600_000);
                    if (sl.Client is { } c && !_contexts.ContainsKey(c))
                    {
                        Error($"{path}.client", $"unknown client {Q(c)}");
                    }

                    break;
            }
        }

        /// <summary>Bytes a batches step allocates: its target object (stores plus guards) and its batch object.</summary>
        private static long BatchesMemory(BatchesStep b)
        {
            long count = Math.Clamp(b.Count, 0, MaxBatches);
            long slots = count * Math.Clamp(b.StoresPerBatch, 0, 64);
            long target = (slots + Math.Max(16, slots / 4)) * 4;
            long batch = count * (3 + 1 + 2 + 3 * Math.Clamp(b.StoresPerBatch, 0, 64) + 1) * 4;
            return target + batch + 2 * 4096;
        }

        private void ClientContext(string path, string client, string context)
        {
            if (!_contexts.TryGetValue(client, out HashSet<string>? contexts))
            {
                Error($"{path}.client", $"unknown client {Q(client)}");
            }
            else if (!contexts.Contains(context))
            {
                Error($"{path}.context", $"unknown context {Q(context)} of client {Q(client)}");
            }
        }

        private void Engine(string path, string name)
        {
            if (!EngineIds.TryParse(name, out _))
            {
                Error(path, $"unknown engine {Q(name)} (expected one of: {string.Join(", ", EngineIds.All.Select(e => e.Name()))})");
            }
        }

        private int Engines(string path, EngineSelection sel)
        {
            if (sel.IsAll)
            {
                return EngineIds.Count;
            }

            if (sel.Names.Count == 0)
            {
                Error(path, "list at least one engine, or \"all\"");
            }

            var seen = new HashSet<string>();
            for (int i = 0; i < sel.Names.Count; i++)
            {
                Engine($"{path}[{i}]", sel.Names[i]);
                if (!seen.Add(sel.Names[i]))
                {
                    Error($"{path}[{i}]", $"engine {Q(sel.Names[i])} listed twice");
                }
            }
            return seen.Count;
        }

        private void Expect(string path, ExpectSpec e)
        {
            if (e.Fences is { } f)
            {
                Fences($"{path}.fences", f);
            }

            foreach ((string? engine, EngineExpect? counts) in e.Engines ?? new Dictionary<string, EngineExpect>())
            {
                Engine($"{path}.engines.{engine}", engine);
                if (!NotNull($"{path}.engines.{engine}", counts))
                {
                    continue;
                }

                NoAll($"{path}.engines.{engine}.requests", counts.Requests);
                NoAll($"{path}.engines.{engine}.resets", counts.Resets);
            }
            NoAll($"{path}.resets.engine", e.Resets?.Engine);
            NoAll($"{path}.resets.full", e.Resets?.Full);
            NoAll($"{path}.resets.failed", e.Resets?.Failed);
            NoAll($"{path}.wedgeEvents", e.WedgeEvents);
            NoAll($"{path}.deadlocks", e.Deadlocks);
            for (int i = 0; i < (e.DeadlockReport?.Count ?? 0); i++)
            {
                if (string.IsNullOrEmpty(e.DeadlockReport![i]))
                {
                    Error($"{path}.deadlockReport[{i}]", "must not be empty");
                }
            }

            NoAll($"{path}.errorStates", e.ErrorStates);
            NoAll($"{path}.checks.storesVerified", e.Checks?.StoresVerified);
            NoAll($"{path}.checks.storesMismatched", e.Checks?.StoresMismatched);
            NoAll($"{path}.checks.storesSkipped", e.Checks?.StoresSkipped);
            for (int i = 0; i < (e.Contexts?.Count ?? 0); i++)
            {
                ContextExpect c = e.Contexts![i];
                string p = $"{path}.contexts[{i}]";
                ClientContext(p, c.Client, c.Context);
                NoAll($"{p}.guilty", c.Guilty);
                NoAll($"{p}.innocent", c.Innocent);
            }
            foreach ((string? name, FenceExpect? w) in e.Workloads ?? new Dictionary<string, FenceExpect>())
            {
                string p = $"{path}.workloads.{name}";
                if (!_stepNames.Contains(name))
                {
                    Error(p, $"no step is named {Q(name)}");
                }

                if (NotNull(p, w))
                {
                    Fences(p, w);
                }
            }
        }

        private void Fences(string path, FenceExpect f)
        {
            foreach ((string key, CountRange? count) in f.Errors ?? new Dictionary<string, CountRange>())
            {
                CheckErrno($"{path}.errors.{key}", key);
                NotNull($"{path}.errors.{key}", count);
            }

            foreach ((string key, CountRange? count) in f.Rejected ?? new Dictionary<string, CountRange>())
            {
                CheckErrno($"{path}.rejected.{key}", key);
                NotNull($"{path}.rejected.{key}", count);
            }

            for (int i = 0; i < (f.AllowedErrors?.Count ?? 0); i++)
            {
                CheckErrno($"{path}.allowedErrors[{i}]", f.AllowedErrors![i]);
            }
        }

        /// <summary>
        /// A dictionary's value may not be null: the serializer lets <c>"name": null</c> through for any value type of
        /// a map (found by fuzzing: a null workload or engine expectation threw NullReferenceException here).
        /// </summary>
        private bool NotNull(string path, object? value)
        {
            if (value is null)
            {
                Error(path, "must not be null");
            }

            return value is not null;
        }

        private void CheckErrno(string path, string name)
        {
            if (!ErrnoNames.Contains(name))
            {
                Error(path, $"unknown errno name {Q(name)} (expected one of: {string.Join(", ", ErrnoNames)})");
            }
        }

        private void NoAll(string path, CountRange? range)
        {
            if (range is { IsAll: true })
            {
                Error(path, "\"all\" only applies to fence counts; give a number or {\"min\", \"max\"}");
            }
        }
    }
}
