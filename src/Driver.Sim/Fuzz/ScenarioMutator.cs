using System.Text.Json;
using System.Text.Json.Nodes;

namespace Driver.Sim.Fuzz;

/// <summary>Applies <see cref="ScenarioMutation"/>s to scenario JSON: tree mutations first, then text mutations.</summary>
public static class ScenarioMutator
{
    /// <summary>The mutated text of <paramref name="json"/>.</summary>
    public static string Apply(string json, IReadOnlyList<ScenarioMutation> mutations)
    {
        JsonNode root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!;
        foreach (ScenarioMutation m in mutations.Where(m => m.Kind < ScenarioMutationKind.Truncate))
        {
            root = MutateTree(root, m);
        }

        string text = root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        foreach (ScenarioMutation m in mutations.Where(m => m.Kind >= ScenarioMutationKind.Truncate))
        {
            int at = (int)((long)text.Length * m.Position / 1000);
            text = m.Kind == ScenarioMutationKind.Truncate
                ? text[..at]
                : text.Insert(at, ScenarioGenerators.Chars[m.Choice % ScenarioGenerators.Chars.Length].ToString());
        }
        return text;
    }

    private static JsonNode MutateTree(JsonNode root, ScenarioMutation m)
    {
        var nodes = Flatten(root).ToList();
        JsonNode node = nodes[m.Node % nodes.Count];
        JsonNode? parent = node.Parent;
        if (parent is null)
        {
            // The root itself: only a replacement makes sense (the file becomes a bare value).
            return m.Kind == ScenarioMutationKind.Replace ? JsonNode.Parse(Value(m)) ?? JsonValue.Create(0)! : root;
        }

        switch (m.Kind)
        {
            case ScenarioMutationKind.Delete:
                if (parent is JsonObject o)
                {
                    o.Remove(node.GetPropertyName());
                }
                else
                {
                    ((JsonArray)parent).RemoveAt(node.GetElementIndex());
                }

                break;
            case ScenarioMutationKind.Replace:
                Put(parent, node, JsonNode.Parse(Value(m)));
                break;
            case ScenarioMutationKind.Graft:
                Put(parent, node, nodes[m.Choice % nodes.Count].DeepClone());
                break;
            case ScenarioMutationKind.Rename when parent is JsonObject obj:
                string name = node.GetPropertyName();
                string renamed = ScenarioGenerators.Names[m.Choice % ScenarioGenerators.Names.Length];
                if (renamed == name || obj.ContainsKey(renamed))
                {
                    renamed = name + "x";
                }

                obj.Remove(name);
                obj[renamed] = node;
                break;
        }
        return root;
    }

    private static string Value(ScenarioMutation m) => ScenarioGenerators.Values[m.Choice % ScenarioGenerators.Values.Length];

    private static void Put(JsonNode parent, JsonNode node, JsonNode? value)
    {
        if (parent is JsonObject o)
        {
            o[node.GetPropertyName()] = value;
        }
        else
        {
            ((JsonArray)parent)[node.GetElementIndex()] = value;
        }
    }

    private static IEnumerable<JsonNode> Flatten(JsonNode node)
    {
        yield return node;
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(kv => kv.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (JsonNode? child in children.ToArray())
        {
            if (child is not null)
            {
                foreach (JsonNode n in Flatten(child))
                {
                    yield return n;
                }
            }
        }
    }
}
